import Foundation
import OCRFleetModel

/// Finds the text a value was read from in a page's markdown: a string case-insensitively with
/// any run of white space for its spaces (and markdown's backslash escapes allowed before
/// punctuation); a number by value among the page's number-looking tokens, as written
/// (`1,234.50`, `$1,234.50`, `1 234,50` are all 1234.5); a date (`2026-03-01`) as ISO,
/// `03/01/2026` or `01.03.2026` (either order), `March 1, 2026` or `1 Mar 2026`. Booleans and
/// null are not looked for.
enum CitationFinder {
    /// The first span of `text` that gives `value`.
    static func span(of value: JSONValue, in text: String) -> Range<String.Index>? {
        Query(value)?.span(in: text, lowercased: text.lowercased())
    }

    /// A value prepared once for all the pages it is looked for on: its regular expression
    /// compiled, and a token every way of writing it contains, so a page without that token
    /// is passed over without a scan.
    struct Query {
        private enum Kind {
            case string(StringPattern)
            case date(CalendarDate, StringPattern?)
            case number(Double)
        }

        private let kind: Kind
        /// Lower-cased; nil when there is none to check (the page is scanned).
        let key: String?

        init?(_ value: JSONValue) {
            switch value {
            case .string(let string):
                if let date = isoDate(string) {
                    kind = .date(date, StringPattern(string))
                    key = String(date.year)
                } else {
                    guard let pattern = StringPattern(string) else { return nil }
                    kind = .string(pattern)
                    // The longest run of ASCII letters and digits: a lower-cased page holds it
                    // wherever the case-insensitive pattern matches.
                    let runs = string.lowercased().split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
                    key = runs.max { $0.count < $1.count }.map(String.init)
                }
            case .number(let number):
                kind = .number(number)
                // However it is written, the number holds the last three digits of its whole part.
                key = abs(number) < 1e15 ? String(String(Int(abs(number).rounded(.down))).suffix(3)) : nil
            default:
                return nil
            }
        }

        /// The first span of `text` that gives the value; `lowercased` is `text.lowercased()`.
        func span(in text: String, lowercased: String) -> Range<String.Index>? {
            if let key, !lowercased.contains(key) { return nil }
            switch kind {
            case .string(let pattern):
                return pattern.span(in: text)
            case .date(let date, let pattern):
                return dateSpan(date, in: text) ?? pattern?.span(in: text)
            case .number(let number):
                return numberSpan(number, in: text)
            }
        }
    }

    /// A string's words, case-insensitively, any run of white space between them and a
    /// backslash escape allowed before punctuation, not inside a longer word.
    struct StringPattern {
        private let regex: Regex<AnyRegexOutput>
        private let first: Character
        private let last: Character

        init?(_ value: String) {
            let words = value.split(whereSeparator: \.isWhitespace)
            guard let first = words.first?.first, let last = words.last?.last else { return nil }
            let pattern = words.map { word in
                word.map { character -> String in
                    let escaped = NSRegularExpression.escapedPattern(for: String(character))
                    return (character.isASCII && character.isPunctuation) || character.isSymbol ? "\\\\?" + escaped : escaped
                }.joined()
            }.joined(separator: "\\s+")
            guard let regex = try? Regex(pattern).ignoresCase() else { return nil }
            self.regex = regex
            self.first = first
            self.last = last
        }

        func span(in text: String) -> Range<String.Index>? {
            for match in text.matches(of: regex) {
                // A value that starts or ends with a letter or digit is not part of a longer word.
                if first.isLetter || first.isNumber, match.range.lowerBound > text.startIndex,
                    isWordCharacter(text[text.index(before: match.range.lowerBound)])
                {
                    continue
                }
                if last.isLetter || last.isNumber, match.range.upperBound < text.endIndex, isWordCharacter(text[match.range.upperBound]) {
                    continue
                }
                return match.range
            }
            return nil
        }
    }

    static func isWordCharacter(_ character: Character) -> Bool { character.isLetter || character.isNumber }

    /// Number-looking tokens: an optional currency sign, digits with thousands separators
    /// (`,` `.` `'` or a space) and a decimal part.
    nonisolated(unsafe) static let numberToken =
        /(?:[$€£¥]\s?)?(?:[0-9]{1,3}(?:[,.' \u{00A0}\u{202F}][0-9]{3})+(?:[.,][0-9]+)?|[0-9]+(?:[.,][0-9]+)?)(?![0-9])/

    static func numberSpan(_ value: Double, in text: String) -> Range<String.Index>? {
        for match in text.matches(of: numberToken) {
            let start = match.range.lowerBound
            if start > text.startIndex, isWordCharacter(text[text.index(before: start)]) { continue }
            var range = match.range
            var magnitude = value
            if value < 0 {
                guard start > text.startIndex, ["-", "−"].contains(text[text.index(before: start)]) else { continue }
                range = text.index(before: start)..<range.upperBound
                magnitude = -value
            }
            if readings(of: match.output).contains(where: { abs($0 - magnitude) <= 1e-9 * max(1, magnitude) }) { return range }
        }
        return nil
    }

    /// The values a number token may mean: with both `.` and `,`, the last is the decimal
    /// separator; one of them once, followed by three digits, may be either.
    static func readings(of token: Substring) -> [Double] {
        let digits = token.filter { $0.isASCII && ($0.isNumber || $0 == "." || $0 == ",") }
        let separators = digits.filter { $0 == "." || $0 == "," }
        func reading(decimal: Character?) -> Double? {
            var plain = ""
            for character in digits {
                if character != "." && character != "," {
                    plain.append(character)
                } else if character == decimal {
                    plain.append(".")
                }
            }
            return Double(plain)
        }
        guard let last = separators.last else { return [reading(decimal: nil)].compactMap { $0 } }
        if separators.contains(where: { $0 != last }) { return [reading(decimal: last)].compactMap { $0 } }
        if separators.count > 1 { return [reading(decimal: nil)].compactMap { $0 } }
        let fraction = digits.split(separator: last, omittingEmptySubsequences: false).last?.count ?? 0
        return (fraction == 3 ? [reading(decimal: last), reading(decimal: nil)] : [reading(decimal: last)]).compactMap { $0 }
    }

    struct CalendarDate: Equatable {
        var year: Int
        var month: Int
        var day: Int
    }

    static func isoDate(_ text: String) -> CalendarDate? {
        guard let match = text.wholeMatch(of: /([0-9]{4})-([0-9]{2})-([0-9]{2})/),
            let year = Int(match.1), let month = Int(match.2), let day = Int(match.3)
        else { return nil }
        return CalendarDate(year: year, month: month, day: day)
    }

    static let months = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    ]

    static func month(_ name: Substring) -> Int? {
        let name = name.lowercased()
        guard name.count >= 3 else { return nil }
        return months.firstIndex { $0.hasPrefix(name) || (name == "sept" && $0 == "september") }.map { $0 + 1 }
    }

    nonisolated(unsafe) static let isoPattern = /([0-9]{4})-([0-9]{2})-([0-9]{2})(?![0-9])/
    nonisolated(unsafe) static let numericPattern = /([0-9]{1,2})[.\/]([0-9]{1,2})[.\/]([0-9]{4})(?![0-9])/
    nonisolated(unsafe) static let monthFirstPattern = /(?i)([a-z]{3,9})\.?\s+([0-9]{1,2})(?:st|nd|rd|th)?,?\s+([0-9]{4})(?![0-9])/
    nonisolated(unsafe) static let dayFirstPattern = /(?i)([0-9]{1,2})(?:st|nd|rd|th)?\.?\s+([a-z]{3,9})\.?,?\s+([0-9]{4})(?![0-9])/

    /// The first span that writes `date`. Every way of writing it holds the year, so only the
    /// text around each occurrence of the year is matched: from 20 characters before it (the
    /// longest way, `September 30th, `, has 16) to 6 after it (`-MM-DD`).
    static func dateSpan(_ date: CalendarDate, in text: String) -> Range<String.Index>? {
        for year in text.ranges(of: String(date.year)) {
            let start = text.index(year.lowerBound, offsetBy: -20, limitedBy: text.startIndex) ?? text.startIndex
            let end = text.index(year.upperBound, offsetBy: 6, limitedBy: text.endIndex) ?? text.endIndex
            if let span = dateSpan(date, in: text, window: text[start..<end], year: year) { return span }
        }
        return nil
    }

    private static func dateSpan(
        _ date: CalendarDate,
        in text: String,
        window: Substring,
        year: Range<String.Index>
    ) -> Range<String.Index>? {
        var spans: [Range<String.Index>] = []
        for match in window.matches(of: isoPattern)
        where Int(match.1) == date.year && Int(match.2) == date.month && Int(match.3) == date.day {
            spans.append(match.range)
        }
        for match in window.matches(of: numericPattern) where Int(match.3) == date.year {
            guard let first = Int(match.1), let second = Int(match.2) else { continue }
            if (first == date.month && second == date.day) || (first == date.day && second == date.month) { spans.append(match.range) }
        }
        for match in window.matches(of: monthFirstPattern)
        where month(match.1) == date.month && Int(match.2) == date.day && Int(match.3) == date.year {
            spans.append(match.range)
        }
        for match in window.matches(of: dayFirstPattern)
        where Int(match.1) == date.day && month(match.2) == date.month && Int(match.3) == date.year {
            spans.append(match.range)
        }
        return spans.filter { span in
            span.overlaps(year)
                && (span.lowerBound == text.startIndex || !isWordCharacter(text[text.index(before: span.lowerBound)]))
                && (span.upperBound == text.endIndex || !text[span.upperBound].isNumber)
        }.min { $0.lowerBound < $1.lowerBound }
    }
}
