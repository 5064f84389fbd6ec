import Foundation

extension JSONSchema {
    /// Every way `instance` fails the schema, each with its place in the instance; empty when
    /// it is valid. Within `anyOf` and `oneOf` the violations of the closest option are given.
    public func validate(_ instance: JSONValue) -> [SchemaViolation] {
        var violations: [SchemaViolation] = []
        var steps = 0
        validate(instance, against: root, at: "", depth: 0, steps: &steps, into: &violations)
        guard steps <= Self.maxValidationSteps else { return [SchemaViolation("", "the schema is too costly to check this answer against")] }
        return violations
    }

    private func validate(
        _ instance: JSONValue,
        against given: SchemaNode,
        at pointer: String,
        depth: Int,
        steps: inout Int,
        into violations: inout [SchemaViolation]
    ) {
        // `anyOf` and `oneOf` check every option, so nested ones multiply: the visits are bounded.
        steps += 1
        guard steps <= Self.maxValidationSteps else { return }
        // Instances deeper than any schema this subset allows can only come from a recursive `$ref`.
        guard depth <= Self.maxDepth * 2 else {
            violations.append(SchemaViolation(pointer, "nested too deep"))
            return
        }
        let node = resolve(given)
        if let types = node.types, !types.contains(where: { Self.matches(instance, $0) }) {
            let names = types.map(\.rawValue).joined(separator: " or ")
            violations.append(SchemaViolation(pointer, "expected \(names), got \(Self.typeName(instance))"))
            return
        }
        if let values = node.enumValues, !values.contains(instance) {
            violations.append(SchemaViolation(pointer, "must be one of \(values.map(Self.text).joined(separator: ", "))"))
        }
        if let value = node.constValue, value != instance {
            violations.append(SchemaViolation(pointer, "must be \(Self.text(value))"))
        }
        switch instance {
        case .string(let string):
            checkString(string, node, at: pointer, into: &violations)
        case .number(let number):
            checkNumber(number, node, at: pointer, into: &violations)
        case .array(let elements):
            if let min = node.minItems, elements.count < min {
                violations.append(SchemaViolation(pointer, "must have at least \(min) items, has \(elements.count)"))
            }
            if let max = node.maxItems, elements.count > max {
                violations.append(SchemaViolation(pointer, "must have at most \(max) items, has \(elements.count)"))
            }
            if let items = node.items {
                for (index, element) in elements.enumerated() {
                    validate(
                        element,
                        against: items,
                        at: JSONPointer.appending(index, to: pointer),
                        depth: depth + 1,
                        steps: &steps,
                        into: &violations
                    )
                }
            }
        case .object(let members):
            checkObject(members, node, at: pointer, depth: depth, steps: &steps, into: &violations)
        case .null, .bool:
            break
        }
        if let options = node.anyOf ?? node.oneOf {
            var outcomes: [[SchemaViolation]] = []
            for option in options {
                var found: [SchemaViolation] = []
                validate(instance, against: option, at: pointer, depth: depth + 1, steps: &steps, into: &found)
                outcomes.append(found)
            }
            let passing = outcomes.filter(\.isEmpty).count
            if passing == 0 {
                violations += outcomes.min(by: { $0.count < $1.count }) ?? []
            } else if node.oneOf != nil, passing > 1 {
                violations.append(SchemaViolation(pointer, "matches \(passing) of the `oneOf` schemas, not exactly one"))
            }
        }
    }

    private func checkObject(
        _ members: [String: JSONValue],
        _ node: SchemaNode,
        at pointer: String,
        depth: Int,
        steps: inout Int,
        into violations: inout [SchemaViolation]
    ) {
        for name in node.required where members[name] == nil {
            violations.append(SchemaViolation(JSONPointer.appending(name, to: pointer), "is required"))
        }
        var declared: Set<String> = []
        for (name, schema) in node.properties {
            declared.insert(name)
            guard let value = members[name] else { continue }
            validate(value, against: schema, at: JSONPointer.appending(name, to: pointer), depth: depth + 1, steps: &steps, into: &violations)
        }
        for (name, value) in members.sorted(by: { $0.key < $1.key }) where !declared.contains(name) {
            let at = JSONPointer.appending(name, to: pointer)
            switch node.additionalProperties {
            case .allowed: break
            case .forbidden: violations.append(SchemaViolation(at, "is not a property of the schema"))
            case .schema(let schema): validate(value, against: schema, at: at, depth: depth + 1, steps: &steps, into: &violations)
            }
        }
    }

    private func checkString(_ string: String, _ node: SchemaNode, at pointer: String, into violations: inout [SchemaViolation]) {
        // JSON Schema counts characters as code points.
        let length = string.unicodeScalars.count
        if let min = node.minLength, length < min {
            violations.append(SchemaViolation(pointer, "must be at least \(min) characters long"))
        }
        if let max = node.maxLength, length > max {
            violations.append(SchemaViolation(pointer, "must be at most \(max) characters long"))
        }
        if let pattern = node.compiledPattern {
            if length > SchemaPattern.maxCheckedLength {
                violations.append(
                    SchemaViolation(pointer, "is too long to check against pattern (over \(SchemaPattern.maxCheckedLength) characters)")
                )
            } else if !pattern.isFound(in: string) {
                violations.append(SchemaViolation(pointer, "does not match the pattern \(pattern.source)"))
            }
        }
        if let format = node.format, !Self.conforms(string, to: format) {
            violations.append(SchemaViolation(pointer, "is not a valid \(format.rawValue)"))
        }
    }

    private func checkNumber(_ number: Double, _ node: SchemaNode, at pointer: String, into violations: inout [SchemaViolation]) {
        func text(_ value: Double) -> String { Self.text(.number(value)) }
        if let minimum = node.minimum, number < minimum {
            violations.append(SchemaViolation(pointer, "must be at least \(text(minimum))"))
        }
        if let maximum = node.maximum, number > maximum {
            violations.append(SchemaViolation(pointer, "must be at most \(text(maximum))"))
        }
        if let bound = node.exclusiveMinimum, number <= bound {
            violations.append(SchemaViolation(pointer, "must be over \(text(bound))"))
        }
        if let bound = node.exclusiveMaximum, number >= bound {
            violations.append(SchemaViolation(pointer, "must be under \(text(bound))"))
        }
    }

    static func matches(_ instance: JSONValue, _ type: JSONType) -> Bool {
        switch (instance, type) {
        case (.object, .object), (.array, .array), (.string, .string), (.number, .number), (.bool, .boolean), (.null, .null):
            true
        case (.number(let number), .integer):
            number == number.rounded() && abs(number) < 9_007_199_254_740_992
        default:
            false
        }
    }

    static func typeName(_ instance: JSONValue) -> String {
        switch instance {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }

    /// `value` as compact JSON with sorted keys.
    public static func text(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).flatMap { String(bytes: $0, encoding: .utf8) } ?? "?"
    }

    static func conforms(_ string: String, to format: SchemaNode.Format) -> Bool {
        switch format {
        case .date:
            return FormatCheck.isDate(string)
        case .dateTime:
            guard let t = string.firstIndex(where: { $0 == "T" || $0 == "t" || $0 == " " }) else { return false }
            return FormatCheck.isDate(String(string[..<t])) && FormatCheck.isTime(String(string[string.index(after: t)...]))
        case .email:
            return string.wholeMatch(of: /[^@\s]+@[^@\s]+\.[^@\s.]+/) != nil
        }
    }
}

/// RFC 3339 dates and times, as JSON Schema's `date` and `date-time` formats define them.
public enum FormatCheck {
    public static func isDate(_ text: String) -> Bool {
        guard let match = text.wholeMatch(of: /([0-9]{4})-([0-9]{2})-([0-9]{2})/),
            let year = Int(match.1), let month = Int(match.2), let day = Int(match.3), (1...12).contains(month), day >= 1
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }

    public static func isTime(_ text: String) -> Bool {
        guard let match = text.wholeMatch(of: /([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|[+-]([0-9]{2}):([0-9]{2}))/),
            let hour = Int(match.1), let minute = Int(match.2), let second = Int(match.3)
        else { return false }
        if let offsetHour = match.6.flatMap({ Int($0) }), let offsetMinute = match.7.flatMap({ Int($0) }),
            offsetHour > 23 || offsetMinute > 59
        {
            return false
        }
        // 60 is a leap second.
        return hour <= 23 && minute <= 59 && second <= 60
    }
}
