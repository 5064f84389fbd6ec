import Foundation
import OCRFleetModel

/// Finds the text a value was read from in a page's markdown: a string case-insensitively with
/// any run of white space for its spaces (and markdown's backslash escapes allowed before
/// punctuation); a number by value among the page's number-looking tokens, as written
/// (`1,234.50`, `$1,234.50`, `1 234,50` are all 1234.5); a date (`2026-03-01`) as ISO,
/// `03/01/2026` or `01.03.2026` (either order), `March 1, 2026` or `1 Mar 2026`. Booleans and
/// null are not looked for.
enum CitationFinder {
    /// The first span of `page.markdown` that gives `value`.
    static func span(of value: JSONValue, in text: String) -> Range<String.Index>? {
        switch value {
        case .string(let string):
            if let date = isoDate(string), let range = dateSpan(date, in: text) { return range }
            return stringSpan(string, in: text)
        case .number(let number):
            return numberSpan(number, in: text)
        default:
            return nil
        }
    }

    static func stringSpan(_ value: String, in text: String) -> Range<String.Index>? {
        let words = value.split(whereSeparator: \.isWhitespace)
        guard !words.isEmpty else { return nil }
        let pattern = words.map { word in
            word.map { character -> String in
                let escaped = NSRegularExpression.escapedPattern(for: String(character))
                return (character.isASCII && character.isPunctuation) || character.isSymbol ? "\\\\?" + escaped : escaped
            }.joined()
        }.joined(separator: "\\s+")
        guard let regex = try? Regex(pattern).ignoresCase() else { return nil }
        let first = words.first!.first!
        let last = words.last!.last!
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

    static func isWordCharacter(_ character: Character) -> Bool { character.isLetter || character.isNumber }

    /// Number-looking tokens: an optional currency sign, digits with thousands separators
    /// (`,` `.` `'` or a space) and a decimal part.
    nonisolated(unsafe) static let numberToken =
        /(?:[$€£¥]\s?)?(?:\d{1,3}(?:[,.' \u{00A0}\u{202F}]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?!\d)/

    static func numberSpan(_ value: Double, in text: String) -> Range<String.Index>? {
        // However it is written, the value holds the last three digits of its whole part: a
        // page without them is not scanned (the scan costs milliseconds a page).
        if abs(value) < 1e15, !text.contains(String(String(Int(abs(value).rounded(.down))).suffix(3))) { return nil }
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
        let digits = token.filter { $0.isNumber || $0 == "." || $0 == "," || $0 == "'" }.filter { $0 != "'" }
        let separators = digits.filter { $0 == "." || $0 == "," }
        func reading(decimal: Character?) -> Double? {
            var plain = ""
            for character in digits {
                if character.isNumber {
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
        guard let match = text.wholeMatch(of: /(\d{4})-(\d{2})-(\d{2})/) else { return nil }
        return CalendarDate(year: Int(match.1)!, month: Int(match.2)!, day: Int(match.3)!)
    }

    static let months = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    ]

    static func month(_ name: Substring) -> Int? {
        let name = name.lowercased()
        guard name.count >= 3 else { return nil }
        return months.firstIndex { $0.hasPrefix(name) || (name == "sept" && $0 == "september") }.map { $0 + 1 }
    }

    nonisolated(unsafe) static let isoPattern = /(\d{4})-(\d{2})-(\d{2})(?!\d)/
    nonisolated(unsafe) static let numericPattern = /(\d{1,2})[.\/](\d{1,2})[.\/](\d{4})(?!\d)/
    nonisolated(unsafe) static let monthFirstPattern = /(?i)([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)/
    nonisolated(unsafe) static let dayFirstPattern = /(?i)(\d{1,2})(?:st|nd|rd|th)?\.?\s+([a-z]{3,9})\.?,?\s+(\d{4})(?!\d)/

    /// The first span that writes `date`. Every way of writing it holds the year, so only the
    /// text around each occurrence of the year is matched: from a word start up to 20
    /// characters before it to 6 after it (`-MM-DD`).
    static func dateSpan(_ date: CalendarDate, in text: String) -> Range<String.Index>? {
        for year in text.ranges(of: String(date.year)) {
            var start = text.index(year.lowerBound, offsetBy: -20, limitedBy: text.startIndex) ?? text.startIndex
            while start > text.startIndex, !text[text.index(before: start)].isWhitespace { start = text.index(before: start) }
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
        where CalendarDate(year: Int(match.1)!, month: Int(match.2)!, day: Int(match.3)!) == date {
            spans.append(match.range)
        }
        for match in window.matches(of: numericPattern) where Int(match.3) == date.year {
            let first = Int(match.1)!
            let second = Int(match.2)!
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
