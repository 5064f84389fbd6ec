/// A spreadsheet number format code (`#,##0.00`, `0.0%`, `d mmmm yyyy`, `[h]:mm`, `# ?/?`,
/// `0.00E+00`, up to four `;` sections with colours and conditions) and the text it shows a
/// number as, in Excel's en-US conventions. Widths (`_x`, `*x`) and colours show nothing.
struct NumberFormat: Equatable {
    enum Token: Equatable {
        case literal(String)
        /// `0`, `#` or `?`.
        case digit(Character)
        case point
        case comma
        case percent
        /// `E+` (`plus`) or `E-`.
        case exponent(plus: Bool)
        case slash
        /// `@`: the cell's text; a number shows in General.
        case text
        case general
        case date(DateField)
    }

    enum DateField: Equatable {
        case year(Int)
        case month(Int)
        case day(Int)
        case hour(Int)
        case minute(Int)
        case second(Int)
        /// `[h]`, `[m]`, `[s]`: hours, minutes or seconds elapsed since the serial's start.
        case elapsedHours(Int)
        case elapsedMinutes(Int)
        case elapsedSeconds(Int)
        /// `AM/PM` or `A/P`, as written.
        case meridiem(String)
        /// `.0`, `.00` after seconds.
        case secondFraction(Int)
    }

    /// `[>100]`: the section is for the numbers that pass.
    struct Condition: Equatable {
        var comparison: String
        var operand: Double

        func admits(_ value: Double) -> Bool {
            switch comparison {
            case "<": value < operand
            case "<=": value <= operand
            case ">": value > operand
            case ">=": value >= operand
            case "<>": value != operand
            default: value == operand
            }
        }
    }

    struct Section: Equatable {
        var tokens: [Token] = []
        var condition: Condition?

        var isDate: Bool { tokens.contains { if case .date = $0 { true } else { false } } }
    }

    let sections: [Section]

    static let general = NumberFormat(code: "General")

    /// The longest code Excel accepts; a longer one (a hostile workbook's, to multiply what
    /// each cell writes) is read as General.
    static let maxCodeLength = 255

    init(code: String) {
        // Windows' system long date and time, which follow the reader's locale: en-US's.
        let code =
            code.count > Self.maxCodeLength
            ? "General"
            : code.contains("[$-F800]") ? "dddd, mmmm d, yyyy" : code.contains("[$-F400]") ? "h:mm:ss AM/PM" : code
        sections = Self.split(code).map(Self.section)
    }

    /// True when the format shows numbers as dates or times.
    var isDate: Bool { sections.first?.isDate ?? false }

    /// The text `value` shows as, trimmed of the padding widths leave.
    func text(for value: Double, dates1904: Bool) -> String {
        guard value.isFinite else { return "#NUM!" }
        let (section, shown, minus) = choose(value)
        guard let section else { return "" }
        let body =
            if section.isDate {
                Self.date(section.tokens, serial: shown, dates1904: dates1904) ?? Self.general(value)
            } else {
                Self.number(section.tokens, shown)
            }
        return ((minus ? "-" : "") + body).trimmingSpaces()
    }

    /// The section for `value`, the value it shows, and whether a minus goes before it:
    /// one section shows negatives with a minus; a second section shows them as written
    /// (usually with its own minus or parentheses); a third shows zero.
    private func choose(_ value: Double) -> (Section?, Double, Bool) {
        let numeric = sections.prefix(3)
        if numeric.contains(where: { $0.condition != nil }) {
            let chosen =
                numeric.first { $0.condition?.admits(value) ?? false }
                ?? numeric.first { $0.condition == nil }
            return (chosen, abs(value), value < 0)
        }
        if numeric.count == 1 { return (numeric[0], abs(value), value < 0) }
        if value < 0 { return (numeric[1], abs(value), false) }
        if value == 0 && numeric.count == 3 { return (numeric[2], 0, false) }
        return (numeric[0], value, false)
    }

    /// General: 15 significant digits without trailing zeros, in plain decimals from 1E-09 to
    /// below 1E+15 and in scientific notation (`1.5E+20`) beyond.
    static func general(_ value: Double) -> String {
        let digits = DecimalDigits(value)
        guard !digits.isZero else { return "0" }
        let sign = value < 0 ? "-" : ""
        let text = digits.digits.map(String.init).joined()
        if (-9..<15).contains(digits.exponent) {
            let integer = digits.integerDigits.isEmpty ? "0" : digits.integerDigits
            let fraction = digits.fractionDigits(max(digits.digits.count - digits.exponent - 1, 0))
            return sign + integer + (fraction.isEmpty ? "" : "." + fraction.map(String.init).joined())
        }
        let mantissa = text.prefix(1) + (text.count > 1 ? "." + text.dropFirst() : "")
        let exponent = abs(digits.exponent)
        return sign + mantissa + "E" + (digits.exponent < 0 ? "-" : "+") + (exponent < 10 ? "0" : "") + "\(exponent)"
    }
}
