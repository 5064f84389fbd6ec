extension NumberFormat {
    /// The code's `;` sections, split outside quotes, escapes and brackets.
    static func split(_ code: String) -> [String] {
        var sections = [""]
        var quoted = false
        var bracketed = false
        var escaped = false
        for character in code {
            if !escaped && !quoted && !bracketed && character == ";" {
                sections.append("")
                continue
            }
            sections[sections.count - 1].append(character)
            if escaped {
                escaped = false
            } else if quoted {
                quoted = character != "\""
            } else if bracketed {
                bracketed = character != "]"
            } else {
                switch character {
                case "\\": escaped = true
                case "\"": quoted = true
                case "[": bracketed = true
                default: break
                }
            }
        }
        return sections
    }

    /// The characters that are a token by themselves.
    static let oneCharacterTokens: [Character: Token] = [
        "0": .digit("0"), "#": .digit("#"), "?": .digit("?"), ".": .point, ",": .comma, "%": .percent,
        "/": .slash, "@": .text,
    ]

    /// One section's tokens; `m` and `mm` become minutes after hours or before seconds.
    static func section(_ code: String) -> Section {
        var section = Section()
        let characters = Array(code)
        var index = 0
        func run(of letter: Character) -> Int {
            var length = 0
            while index + length < characters.count, characters[index + length].lowercased() == letter.lowercased() {
                length += 1
            }
            return length
        }
        func starts(with text: String) -> Bool {
            let end = index + text.count
            return end <= characters.count && String(characters[index..<end]).lowercased() == text.lowercased()
        }
        while index < characters.count {
            let character = characters[index]
            if let token = Self.oneCharacterTokens[character] {
                section.tokens.append(token)
                index += 1
                continue
            }
            switch character {
            case "\"":
                let end = characters[(index + 1)...].firstIndex(of: "\"") ?? characters.count
                section.tokens.append(.literal(String(characters[(index + 1)..<end])))
                index = end + 1
            case "\\":
                if index + 1 < characters.count { section.tokens.append(.literal(String(characters[index + 1]))) }
                index += 2
            case "_":
                section.tokens.append(.literal(" "))
                index += 2
            case "*":
                index += 2
            case "[":
                let end = characters[index...].firstIndex(of: "]") ?? characters.count
                bracket(String(characters[(index + 1)..<min(end, characters.count)]), into: &section)
                index = end + 1
            case _ where "Ee".contains(character) && index + 1 < characters.count && "+-".contains(characters[index + 1]):
                section.tokens.append(.exponent(plus: characters[index + 1] == "+"))
                index += 2
            case _ where starts(with: "General"):
                section.tokens.append(.general)
                index += 7
            case _ where starts(with: "AM/PM"):
                section.tokens.append(.date(.meridiem(String(characters[index..<index + 5]))))
                index += 5
            case _ where starts(with: "A/P"):
                section.tokens.append(.date(.meridiem(String(characters[index..<index + 3]))))
                index += 3
            case "y", "Y", "e", "E":
                let length = max(run(of: "y"), run(of: "e"))
                section.tokens.append(.date(.year(length)))
                index += length
            case "m", "M", "d", "D", "h", "H", "s", "S":
                let length = run(of: character)
                let field: DateField =
                    switch character.lowercased() {
                    case "m": .month(length)
                    case "d": .day(length)
                    case "h": .hour(length)
                    default: .second(length)
                    }
                section.tokens.append(.date(field))
                index += length
            default:
                section.tokens.append(.literal(String(character)))
                index += 1
            }
        }
        if section.isDate { resolveTimes(&section) }
        return section
    }

    /// `[Red]`, `[Color10]`, `[$€-407]` (its symbol), `[h]` (elapsed time), `[>=100]`.
    private static func bracket(_ content: String, into section: inout Section) {
        let lower = content.lowercased()
        if let first = lower.first, "hms".contains(first), lower.allSatisfy({ $0 == first }) {
            let field: DateField =
                switch first {
                case "h": .elapsedHours(lower.count)
                case "m": .elapsedMinutes(lower.count)
                default: .elapsedSeconds(lower.count)
                }
            section.tokens.append(.date(field))
        } else if content.hasPrefix("$") {
            let symbol = content.dropFirst().prefix { $0 != "-" }
            if !symbol.isEmpty { section.tokens.append(.literal(String(symbol))) }
        } else if let first = content.first, "<>=".contains(first) {
            let comparison = String(content.prefix { "<>=".contains($0) })
            if let operand = Double(String(content.dropFirst(comparison.count)).trimmingSpaces()) {
                section.condition = Condition(comparison: comparison, operand: operand)
            }
        }
    }

    /// In a date section `m`/`mm` after hours or before seconds is minutes, a point followed
    /// by zeros after seconds is a fraction of a second, and a slash is only a slash.
    private static func resolveTimes(_ section: inout Section) {
        var tokens: [Token] = []
        var index = 0
        let source = section.tokens
        while index < source.count {
            if case .point = source[index], tokens.last.map(isSecond) ?? false {
                var places = 0
                while index + 1 + places < source.count, source[index + 1 + places] == .digit("0") { places += 1 }
                if places > 0 {
                    tokens.append(.date(.secondFraction(places)))
                    index += 1 + places
                    continue
                }
            }
            switch source[index] {
            case .slash: tokens.append(.literal("/"))
            case .point: tokens.append(.literal("."))
            case .comma: tokens.append(.literal(","))
            case .digit(let digit): tokens.append(.literal(String(digit)))
            case .percent: tokens.append(.literal("%"))
            default: tokens.append(source[index])
            }
            index += 1
        }
        let fields = tokens.indices.filter { if case .date = tokens[$0] { true } else { false } }
        for (position, index) in fields.enumerated() {
            guard case .date(.month(let length)) = tokens[index], length <= 2 else { continue }
            let before = position > 0 ? tokens[fields[position - 1]] : nil
            let after = position + 1 < fields.count ? tokens[fields[position + 1]] : nil
            if before.map(isHour) ?? false || after.map(isSecond) ?? false {
                tokens[index] = .date(.minute(length))
            }
        }
        section.tokens = tokens
    }

    private static func isHour(_ token: Token) -> Bool {
        switch token {
        case .date(.hour), .date(.elapsedHours): true
        default: false
        }
    }

    private static func isSecond(_ token: Token) -> Bool {
        switch token {
        case .date(.second), .date(.elapsedSeconds): true
        default: false
        }
    }
}
