/// A spreadsheet date serial (days, the fraction the time of day) as calendar fields, in
/// the 1900 calendar (with Lotus's 29 February 1900, which Excel keeps) or the 1904 one.
struct SerialDate: Equatable {
    var year: Int
    var month: Int
    var day: Int
    /// 0 Sunday … 6 Saturday.
    var weekday: Int
    var hour: Int
    var minute: Int
    var second: Int
    /// The fraction of the second, in units of 10^-`fractionDigits`.
    var fraction: Int
    /// Whole days since the serial's start (for elapsed-time fields).
    var days: Int

    /// The serials Excel shows as dates: 1900-01-00 to 9999-12-31.
    static let range = 0.0..<2_958_466.0

    /// nil outside `range`. The time is rounded to `fractionDigits` places of a second.
    init?(serial: Double, dates1904: Bool, fractionDigits: Int = 0) {
        guard Self.range.contains(serial) else { return nil }
        // Excel shows at most thousandths of a second (`ss.000`).
        let unitsPerSecond = Self.power(min(max(fractionDigits, 0), 3))
        let units = (serial * 86_400 * Double(unitsPerSecond)).rounded()
        let unitsPerDay = 86_400 * unitsPerSecond
        days = Int(units / Double(unitsPerDay))
        var rest = Int(units - Double(days) * Double(unitsPerDay))
        fraction = rest % unitsPerSecond
        rest /= unitsPerSecond
        hour = rest / 3600
        minute = rest / 60 % 60
        second = rest % 60
        // Days from 1970-01-01: serial 25 569 in the 1900 calendar; the 1904 one starts 1462 days on.
        var civil = days + (dates1904 ? 1462 : 0) - 25_569
        if !dates1904 && days < 61 {
            // Before Lotus's 29 February 1900 the 1900 calendar runs a day ahead; 0 is 1900-01-00.
            if days == 60 {
                (year, month, day, weekday) = (1900, 2, 29, 3)
                return
            }
            if days == 0 {
                (year, month, day, weekday) = (1900, 1, 0, 6)
                return
            }
            civil += 1
        }
        (year, month, day) = Self.civil(fromDays: civil)
        weekday = ((civil % 7) + 11) % 7  // 1970-01-01 was a Thursday
    }

    static func power(_ digits: Int) -> Int {
        (0..<digits).reduce(1) { value, _ in value * 10 }
    }

    /// Howard Hinnant's civil-from-days: days from 1970-01-01 to a proleptic Gregorian date.
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Hinnant's days-from-civil, the inverse of `civil(fromDays:)`.
    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The serial of an ISO 8601 date or date-time (`t="d"` cells): `2026-03-02`,
    /// `2026-03-02T18:00:00`, `18:00:00`; nil for anything else.
    static func serial(iso text: String, dates1904: Bool) -> Double? {
        let parts = text.split(separator: "T", maxSplits: 1, omittingEmptySubsequences: false)
        var serial = 0.0
        var timePart = parts.count == 2 ? parts[1] : nil
        if parts[0].contains("-") {
            let fields = parts[0].split(separator: "-").compactMap { Int($0) }
            guard fields.count == 3, (0...9999).contains(fields[0]), (1...12).contains(fields[1]),
                (1...31).contains(fields[2])
            else { return nil }
            let days = Self.days(fromCivil: fields[0], fields[1], fields[2]) + 25_569 - (dates1904 ? 1462 : 0)
            // Dates before 1 March 1900 sit a day later in the 1900 calendar.
            serial = Double(!dates1904 && days < 61 ? days - 1 : days)
        } else {
            timePart = parts[0]
        }
        if let timePart {
            let pieces = timePart.split(separator: ":")
            let fields = pieces.compactMap { Double($0.prefix { $0 != "Z" && $0 != "+" }) }
            guard (2...3).contains(fields.count), fields.count == pieces.count else { return nil }
            serial += zip(fields, [3600.0, 60, 1]).reduce(0) { $0 + $1.0 * $1.1 } / 86_400
        }
        return serial
    }
}
