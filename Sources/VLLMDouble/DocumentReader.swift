import Foundation
import OCRFleetLanguageModel
import OCRFleetModel

/// How the double plays an instruction model: it fills a schema from the document's
/// "Label: value" lines, as a small model asked for JSON might. A property takes the value of
/// the first line whose label is the property's name (`invoice_number`, `invoiceNumber` and
/// "Invoice number" are the same) or its description, else of a line whose label words all
/// occur in its name and description; the value is coerced to the property's type (numbers
/// with currency signs and thousands separators, yes/no, dates to ISO 8601). A property with
/// `enum`, `const` options or a `oneOf`/`anyOf` of `const`s is a classification: the option
/// whose words (its value, and its description's words of four letters or more) occur most
/// often in the text wins. It reads
/// only the text it is given, never instructions.
struct DocumentReader {
    struct Line {
        var label: [String]
        var value: String
    }

    let lines: [Line]
    let wordCounts: [String: Int]
    let schema: JSONSchema
    /// The pointers of values taken from the text; the others are stand-ins the schema requires.
    private(set) var found: Set<String> = []

    init(text: String, schema: JSONSchema) {
        self.schema = schema
        var lines: [Line] = []
        for raw in text.split(whereSeparator: \.isNewline) {
            guard let colon = raw.firstIndex(of: ":") else { continue }
            let label = Self.words(String(raw[..<colon]))
            let value = raw[raw.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard !label.isEmpty, label.count <= 6, !value.isEmpty else { continue }
            lines.append(Line(label: label, value: value))
        }
        self.lines = lines
        wordCounts = Self.words(text).reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    /// Lower-case words, camelCase and snake_case split.
    static func words(_ text: String) -> [String] {
        var spaced = ""
        var previous: Character = " "
        for character in text {
            if character.isUppercase, previous.isLowercase { spaced.append(" ") }
            spaced.append(character.isLetter || character.isNumber ? character : " ")
            previous = character
        }
        return spaced.lowercased().split(separator: " ").map(String.init)
    }

    /// The schema's value for the whole text.
    mutating func read() -> JSONValue {
        value(for: schema.root, name: nil, at: "") ?? standIn(for: schema.root, at: "")
    }

    private mutating func value(for given: SchemaNode, name: String?, at pointer: String) -> JSONValue? {
        // A schema that refers to itself is filled to the depth a schema may be nested, then left.
        guard Self.depth(of: pointer) <= JSONSchema.maxDepth else { return nil }
        let node = schema.resolve(given)
        if let options = Self.options(of: node) {
            return classify(options, name: name, node: node, at: pointer)
        }
        let types = node.types ?? [.string]
        if types.contains(.object) || !node.properties.isEmpty {
            var members: [String: JSONValue] = [:]
            for (property, schema) in node.properties {
                let at = JSONPointer.appending(property, to: pointer)
                if let value = value(for: schema, name: property, at: at) {
                    members[property] = value
                } else if node.required.contains(property) {
                    members[property] = standIn(for: schema, at: at)
                }
            }
            return .object(members)
        }
        guard let name, let line = line(for: name, description: node.description) else { return nil }
        if types.contains(.array) {
            guard let items = node.items.map(schema.resolve) else { return nil }
            let parts = line.value.split(whereSeparator: { $0 == "," || $0 == ";" }).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            var values: [JSONValue] = []
            for part in parts {
                if let value = Self.coerce(part, to: items) { values.append(value) }
            }
            found.insert(pointer)
            return .array(values)
        }
        guard let value = Self.coerce(line.value, to: node) else { return nil }
        found.insert(pointer)
        return value
    }

    /// The first line labelled with `name`, else with the description, else with words all
    /// found in the name and description.
    private func line(for name: String, description: String?) -> Line? {
        let nameWords = Self.words(name)
        let descriptionWords = description.map(Self.words) ?? []
        if let line = lines.first(where: { $0.label == nameWords || (!descriptionWords.isEmpty && $0.label == descriptionWords) }) {
            return line
        }
        let known = Set(nameWords + descriptionWords)
        return lines.first { Set($0.label).isSubset(of: known) }
    }

    /// A classification's options: each value with the words that speak for it.
    static func options(of node: SchemaNode) -> [(value: JSONValue, words: [String])]? {
        if let values = node.enumValues {
            return values.map { ($0, Self.words(Self.text($0))) }
        }
        if let choices = node.oneOf ?? node.anyOf, choices.allSatisfy({ $0.constValue != nil }) {
            // Short description words (a, of, for) would vote for every option.
            return choices.map { choice in
                let described = Self.words(choice.description ?? "").filter { $0.count >= 4 }
                return (choice.constValue!, Self.words(Self.text(choice.constValue!)) + described)
            }
        }
        if let value = node.constValue { return [(value, [])] }
        return nil
    }

    private mutating func classify(
        _ options: [(value: JSONValue, words: [String])],
        name: String?,
        node: SchemaNode,
        at pointer: String
    ) -> JSONValue {
        if let name, let line = line(for: name, description: node.description),
            let option = options.first(where: { Self.words(line.value) == Self.words(Self.text($0.value)) })
        {
            found.insert(pointer)
            return option.value
        }
        var best = options[0]
        var bestScore = 0
        for option in options {
            let score = Set(option.words).reduce(0) { $0 + (wordCounts[$1] ?? 0) }
            if score > bestScore {
                best = option
                bestScore = score
            }
        }
        if bestScore > 0 { found.insert(pointer) }
        return best.value
    }

    /// What a required value the text does not give becomes: null where allowed, else the
    /// smallest value of its type.
    private func standIn(for given: SchemaNode, at pointer: String) -> JSONValue {
        guard Self.depth(of: pointer) <= JSONSchema.maxDepth else { return .null }
        let node = schema.resolve(given)
        if let options = Self.options(of: node) { return options[0].value }
        if node.isNullable, node.types != nil { return .null }
        switch node.types?.first(where: { $0 != .null }) ?? .object {
        case .string: return .string(String(repeating: "?", count: node.minLength ?? 0))
        case .number, .integer: return .number(node.minimum ?? 0)
        case .boolean: return .bool(false)
        case .array: return .array([])
        case .null: return .null
        case .object:
            var members: [String: JSONValue] = [:]
            for (property, schema) in node.properties where node.required.contains(property) {
                members[property] = standIn(for: schema, at: JSONPointer.appending(property, to: pointer))
            }
            return .object(members)
        }
    }

    static func depth(of pointer: String) -> Int { pointer.reduce(0) { $0 + ($1 == "/" ? 1 : 0) } }

    static func coerce(_ text: String, to node: SchemaNode) -> JSONValue? {
        let types = (node.types ?? [.string]).filter { $0 != .null }
        for type in types {
            switch type {
            case .integer:
                if let number = number(text), number == number.rounded() { return .number(number) }
            case .number:
                if let number = number(text) { return .number(number) }
            case .boolean:
                switch text.lowercased() {
                case "yes", "true", "y", "x", "checked", "☑", "☒": return .bool(true)
                case "no", "false", "n", "unchecked", "☐": return .bool(false)
                default: break
                }
            case .string:
                if node.format == .date { return date(text).map(JSONValue.string) }
                var value = text
                if let max = node.maxLength, value.unicodeScalars.count > max {
                    value = String(String.UnicodeScalarView(value.unicodeScalars.prefix(max)))
                }
                return .string(value)
            case .object, .array, .null:
                break
            }
        }
        return nil
    }

    /// The first number in `text`: currency signs and thousands separators dropped; the last
    /// of `.` and `,` is the decimal separator when two or fewer digits follow it.
    static func number(_ text: String) -> Double? {
        guard let match = text.firstMatch(of: /-?\d[\d.,' ]*/) else { return nil }
        var digits = String(match.output).trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " ", with: "")
            .replacingOccurrences(of: "'", with: "")
        if let last = digits.lastIndex(where: { $0 == "." || $0 == "," }),
            digits.distance(from: last, to: digits.endIndex) <= 3
        {
            let whole = digits[..<last].filter { $0 != "." && $0 != "," }
            digits = whole + "." + digits[digits.index(after: last)...]
        } else {
            digits = digits.filter { $0 != "." && $0 != "," }
        }
        return Double(digits)
    }

    /// `2024-03-05`, `05.03.2024`, `03/05/2024` (US order), `5 March 2024` or `March 5, 2024` as `2024-03-05`.
    static func date(_ text: String) -> String? {
        func iso(_ year: Int, _ month: Int, _ day: Int) -> String? {
            let value = String(format: "%04d-%02d-%02d", year, month, day)
            return FormatCheck.isDate(value) ? value : nil
        }
        if let m = text.firstMatch(of: /(\d{4})-(\d{2})-(\d{2})/) { return iso(Int(m.1)!, Int(m.2)!, Int(m.3)!) }
        if let m = text.firstMatch(of: /(\d{1,2})\.(\d{1,2})\.(\d{4})/) { return iso(Int(m.3)!, Int(m.2)!, Int(m.1)!) }
        if let m = text.firstMatch(of: /(\d{1,2})\/(\d{1,2})\/(\d{4})/) { return iso(Int(m.3)!, Int(m.1)!, Int(m.2)!) }
        let months = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
        let words = Self.words(text)
        guard let monthIndex = words.firstIndex(where: { word in months.contains { $0.hasPrefix(word) && word.count >= 3 } }),
            let month = months.firstIndex(where: { $0.hasPrefix(words[monthIndex]) }),
            let year = words.first(where: { $0.count == 4 }).flatMap({ Int($0) }),
            let day = words.first(where: { $0.count <= 2 }).flatMap({ Int($0) })
        else { return nil }
        return iso(year, month + 1, day)
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let string): string
        case .number(let number): number == number.rounded() ? String(Int(number)) : String(number)
        case .bool(let bool): String(bool)
        default: ""
        }
    }
}
