import Foundation

/// Reads a schema's keywords into `SchemaNode`s, refusing what the subset does not support
/// and counting against the bounds.
struct SchemaParser {
    struct Keywords {
        var types: [JSONType]?
        var description: String?
        var properties: [(name: String, schema: SchemaNode)] = []
        var required: [String] = []
        var additionalProperties = SchemaNode.Additional.allowed
        var items: SchemaNode?
        var enumValues: [JSONValue]?
        var constValue: JSONValue?
        var minLength: Int?
        var maxLength: Int?
        var pattern: SchemaPattern?
        var format: SchemaNode.Format?
        var minimum: Double?
        var maximum: Double?
        var exclusiveMinimum: Double?
        var exclusiveMaximum: Double?
        var minItems: Int?
        var maxItems: Int?
        var reference: String?
        var anyOf: [SchemaNode]?
        var oneOf: [SchemaNode]?
    }

    static let annotations: Set<String> = ["$schema", "$id", "$comment", "title", "description", "default", "examples"]

    var definitionNames: Set<String> = []
    private(set) var propertyCount = 0

    mutating func parse(_ value: JSONValue, at pointer: String, depth: Int) throws(SchemaError) -> SchemaNode {
        guard depth <= JSONSchema.maxDepth else {
            throw SchemaError(pointer, "schemas are nested more than \(JSONSchema.maxDepth) deep")
        }
        let members: [String: JSONValue]
        switch value {
        case .object(let object): members = object
        case .bool(true): members = [:]
        case .bool(false): throw SchemaError(pointer, "the schema `false` is not supported")
        default: throw SchemaError(pointer, "a schema must be an object")
        }
        var keywords = Keywords()
        for (key, member) in members.sorted(by: { $0.key < $1.key }) {
            let at = JSONPointer.appending(key, to: pointer)
            switch key {
            case "$defs":
                guard pointer.isEmpty else { throw SchemaError(at, "`$defs` is supported at the schema's root only") }
            case "description":
                guard case .string(let text) = member else { throw SchemaError(at, "`description` must be a string") }
                keywords.description = text
            case _ where Self.annotations.contains(key):
                break
            case "type":
                keywords.types = try Self.types(member, at: at)
            case "properties":
                guard case .object(let properties) = member else { throw SchemaError(at, "`properties` must be an object") }
                for (name, schema) in properties.sorted(by: { $0.key < $1.key }) {
                    propertyCount += 1
                    let propertyAt = JSONPointer.appending(name, to: at)
                    guard propertyCount <= JSONSchema.maxProperties else {
                        throw SchemaError(propertyAt, "the schema has more than \(JSONSchema.maxProperties) properties")
                    }
                    keywords.properties.append((name, try parse(schema, at: propertyAt, depth: depth + 1)))
                }
            case "required":
                guard case .array(let names) = member else { throw SchemaError(at, "`required` must be a list of names") }
                for (index, name) in names.enumerated() {
                    guard case .string(let text) = name else {
                        throw SchemaError(JSONPointer.appending(index, to: at), "`required` must list strings")
                    }
                    keywords.required.append(text)
                }
            case "additionalProperties":
                switch member {
                case .bool(let allowed): keywords.additionalProperties = allowed ? .allowed : .forbidden
                default: keywords.additionalProperties = .schema(try parse(member, at: at, depth: depth + 1))
                }
            case "items":
                keywords.items = try parse(member, at: at, depth: depth + 1)
            case "enum":
                guard case .array(let values) = member, !values.isEmpty else {
                    throw SchemaError(at, "`enum` must be a list of at least one value")
                }
                keywords.enumValues = values
            case "const":
                keywords.constValue = member
            case "minLength": keywords.minLength = try Self.count(member, at: at)
            case "maxLength": keywords.maxLength = try Self.count(member, at: at)
            case "minItems": keywords.minItems = try Self.count(member, at: at)
            case "maxItems": keywords.maxItems = try Self.count(member, at: at)
            case "minimum": keywords.minimum = try Self.number(member, at: at)
            case "maximum": keywords.maximum = try Self.number(member, at: at)
            case "exclusiveMinimum": keywords.exclusiveMinimum = try Self.number(member, at: at)
            case "exclusiveMaximum": keywords.exclusiveMaximum = try Self.number(member, at: at)
            case "pattern":
                guard case .string(let pattern) = member else { throw SchemaError(at, "`pattern` must be a string") }
                guard pattern.unicodeScalars.count <= SchemaPattern.maxPatternLength else {
                    throw SchemaError(at, "`pattern` is over \(SchemaPattern.maxPatternLength) characters")
                }
                guard let compiled = SchemaPattern(pattern) else {
                    throw SchemaError(at, "`pattern` is not a valid regular expression")
                }
                keywords.pattern = compiled
            case "format":
                guard case .string(let name) = member else { throw SchemaError(at, "`format` must be a string") }
                guard let format = SchemaNode.Format(rawValue: name) else {
                    throw SchemaError(at, "the format '\(name)' is not supported (date, date-time, email are)")
                }
                keywords.format = format
            case "$ref":
                guard case .string(let reference) = member else { throw SchemaError(at, "`$ref` must be a string") }
                let prefix = "#/$defs/"
                guard reference.hasPrefix(prefix) else {
                    throw SchemaError(at, "only local references into `$defs` (\"#/$defs/name\") are supported")
                }
                let name = String(reference.dropFirst(prefix.count))
                    .replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                guard definitionNames.contains(name) else { throw SchemaError(at, "`$defs` has no '\(name)'") }
                keywords.reference = name
            case "anyOf", "oneOf":
                guard case .array(let options) = member, !options.isEmpty else {
                    throw SchemaError(at, "`\(key)` must be a list of at least one schema")
                }
                var nodes: [SchemaNode] = []
                for (index, option) in options.enumerated() {
                    nodes.append(try parse(option, at: JSONPointer.appending(index, to: at), depth: depth + 1))
                }
                if key == "anyOf" { keywords.anyOf = nodes } else { keywords.oneOf = nodes }
            default:
                throw SchemaError(at, "the keyword `\(key)` is not supported")
            }
        }
        // Checking follows a `$ref` to its definition alone: a constraint beside it would never be checked.
        if keywords.reference != nil,
            let beside = members.keys.sorted().first(where: { $0 != "$ref" && $0 != "$defs" && !Self.annotations.contains($0) })
        {
            throw SchemaError(
                JSONPointer.appending(beside, to: pointer),
                "`\(beside)` beside a `$ref` is not supported: put it in the definition the `$ref` names"
            )
        }
        if let min = keywords.minLength, let max = keywords.maxLength, min > max {
            throw SchemaError(JSONPointer.appending("minLength", to: pointer), "`minLength` is over `maxLength`")
        }
        if let min = keywords.minItems, let max = keywords.maxItems, min > max {
            throw SchemaError(JSONPointer.appending("minItems", to: pointer), "`minItems` is over `maxItems`")
        }
        return SchemaNode(pointer: pointer, keywords: keywords)
    }

    /// Refuses a `$ref` cycle that an instance can go round without descending into a
    /// property or an item (`{"a": {"anyOf": [{"$ref": "#/$defs/a"}, …]}}`): checking it
    /// would never end, or take exponentially long.
    static func refuseDirectCycles(in definitions: [String: SchemaNode]) throws(SchemaError) {
        // Depth-first without recursion: a chain of thousands of definitions fits in 256 KiB.
        var finished: Set<String> = []
        var onPath: Set<String> = []
        for start in definitions.keys.sorted() where !finished.contains(start) {
            var stack: [(name: String, next: [(name: String, pointer: String)])] = []
            if let node = definitions[start] {
                stack.append((start, Array(directReferences(of: node).reversed())))
                onPath.insert(start)
            }
            while !stack.isEmpty {
                guard let reference = stack[stack.count - 1].next.popLast() else {
                    let done = stack.removeLast().name
                    onPath.remove(done)
                    finished.insert(done)
                    continue
                }
                if onPath.contains(reference.name) {
                    throw SchemaError(
                        reference.pointer,
                        "`$defs` '\(reference.name)' refers to itself through `$ref`, `anyOf` or `oneOf` without a property or item between"
                    )
                }
                guard !finished.contains(reference.name), let node = definitions[reference.name] else { continue }
                stack.append((reference.name, Array(directReferences(of: node).reversed())))
                onPath.insert(reference.name)
            }
        }
    }

    /// The `$ref`s an instance reaches at its own place: `node`'s own and its `anyOf` and `oneOf` options', each with its pointer.
    private static func directReferences(of node: SchemaNode) -> [(name: String, pointer: String)] {
        var references: [(name: String, pointer: String)] = []
        if let name = node.reference { references.append((name, JSONPointer.appending("$ref", to: node.pointer))) }
        for option in (node.anyOf ?? []) + (node.oneOf ?? []) { references += directReferences(of: option) }
        return references
    }

    private static func types(_ value: JSONValue, at pointer: String) throws(SchemaError) -> [JSONType] {
        func one(_ value: JSONValue, at pointer: String) throws(SchemaError) -> JSONType {
            guard case .string(let name) = value, let type = JSONType(rawValue: name) else {
                throw SchemaError(pointer, "`type` must name JSON types (\(JSONType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return type
        }
        switch value {
        case .array(let names):
            guard !names.isEmpty else { throw SchemaError(pointer, "`type` must name at least one type") }
            var types: [JSONType] = []
            for (index, name) in names.enumerated() {
                types.append(try one(name, at: JSONPointer.appending(index, to: pointer)))
            }
            return types
        default:
            return [try one(value, at: pointer)]
        }
    }

    private static func count(_ value: JSONValue, at pointer: String) throws(SchemaError) -> Int {
        guard case .number(let number) = value, number >= 0, number == number.rounded(), number < 1e15 else {
            throw SchemaError(pointer, "must be a non-negative integer")
        }
        return Int(number)
    }

    private static func number(_ value: JSONValue, at pointer: String) throws(SchemaError) -> Double {
        guard case .number(let number) = value else { throw SchemaError(pointer, "must be a number") }
        return number
    }
}
