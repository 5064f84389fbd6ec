extension NumberFormat {
    static let months = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]
    static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    /// A serial through a date or time section, English month and day names; nil for a
    /// serial no date shows (negative, or past 9999).
    static func date(_ tokens: [Token], serial: Double, dates1904: Bool) -> String? {
        let fractionDigits = min(
            tokens.compactMap { if case .date(.secondFraction(let places)) = $0 { places } else { nil } }.max() ?? 0,
            3
        )
        guard let date = SerialDate(serial: serial, dates1904: dates1904, fractionDigits: fractionDigits) else {
            return nil
        }
        let twelveHour = tokens.contains { if case .date(.meridiem) = $0 { true } else { false } }
        return tokens.map { token in
            switch token {
            case .literal(let text): text
            case .date(let field): Self.text(of: field, date, twelveHour: twelveHour, fractionDigits: fractionDigits)
            default: ""
            }
        }.joined()
    }

    private static func text(of field: DateField, _ date: SerialDate, twelveHour: Bool, fractionDigits: Int) -> String {
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(width - digits.count, 0)) + digits
        }
        let hours = date.days * 24 + date.hour
        switch field {
        case .year(let length):
            return length <= 2 ? padded(date.year % 100, 2) : padded(date.year, 4)
        case .month(let length):
            let name = months[date.month - 1]
            switch length {
            case 1, 2: return padded(date.month, length)
            case 3: return String(name.prefix(3))
            case 5: return String(name.prefix(1))
            default: return name
            }
        case .day(let length):
            let name = weekdays[date.weekday]
            switch length {
            case 1, 2: return padded(date.day, length)
            case 3: return String(name.prefix(3))
            default: return name
            }
        case .hour(let length):
            let hour = twelveHour ? (date.hour % 12 == 0 ? 12 : date.hour % 12) : date.hour
            return padded(hour, min(length, 2))
        case .minute(let length): return padded(date.minute, min(length, 2))
        case .second(let length): return padded(date.second, min(length, 2))
        case .elapsedHours(let length): return padded(hours, length)
        case .elapsedMinutes(let length): return padded(hours * 60 + date.minute, length)
        case .elapsedSeconds(let length): return padded((hours * 60 + date.minute) * 60 + date.second, length)
        case .meridiem(let written):
            let morning = date.hour < 12
            let text = written.count > 3 ? (morning ? "AM" : "PM") : (morning ? "A" : "P")
            return written.first?.isLowercase ?? false ? text.lowercased() : text
        case .secondFraction(let places):
            return "." + padded(date.fraction, fractionDigits).prefix(places)
        }
    }
}
