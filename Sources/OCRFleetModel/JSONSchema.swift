import Foundation

/// A JSON Schema (draft 2020-12) in the subset the fleet checks answers against, parsed once.
///
/// Supported keywords: `type` (a name or a list of names; `["string", "null"]` makes a field
/// nullable), `properties`, `required`, `additionalProperties` (`false` or a schema), `items`,
/// `enum`, `const`, `minLength`, `maxLength`, `pattern` (ICU syntax, searched anywhere in the
/// string as the spec says), `format` (`date`, `date-time` and `email`, checked),
/// `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `minItems`, `maxItems`,
/// `$defs` with local references `"$ref": "#/$defs/name"`, `anyOf` and `oneOf`; the
/// annotations `$schema`, `$id`, `$comment`, `title`, `description`, `default` and `examples`
/// are accepted and not checked. Any other keyword is refused rather than ignored, so a
/// constraint the fleet would not check never passes silently.
///
/// Bounds, each refused with the pointer of the place that crosses it: schema JSON of at most
/// 256 KiB, schemas nested at most 32 deep, at most 1,000 properties in all, patterns of at
/// most 1,000 characters, no `$ref` cycle without a property or item in it. Checking an
/// instance visits at most `maxValidationSteps` schemas; beyond, the instance is not checked
/// further and has the one violation that the schema is too costly to check it against.
public struct JSONSchema: Sendable {
    public static let maxBytes = 256 << 10
    public static let maxDepth = 32
    public static let maxProperties = 1000
    public static let maxValidationSteps = 100_000

    public let root: SchemaNode
    public let definitions: [String: SchemaNode]
    /// The schema as given, for `response_format`.
    public let source: JSONValue

    /// Parses schema JSON, refusing more than `maxBytes`.
    public init(json: [UInt8]) throws(SchemaError) {
        guard json.count <= Self.maxBytes else {
            throw SchemaError("", "the schema is \(json.count) bytes, over the limit of \(Self.maxBytes)")
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(json))
        } catch {
            throw SchemaError("", "the schema is not JSON")
        }
        try self.init(value)
    }

    public init(_ value: JSONValue) throws(SchemaError) {
        var parser = SchemaParser()
        var definitions: [String: SchemaNode] = [:]
        if case .object(let members) = value, let defs = members["$defs"] {
            guard case .object(let entries) = defs else { throw SchemaError("/$defs", "`$defs` must be an object") }
            parser.definitionNames = Set(entries.keys)
            for (name, schema) in entries.sorted(by: { $0.key < $1.key }) {
                definitions[name] = try parser.parse(schema, at: JSONPointer.appending(name, to: "/$defs"), depth: 1)
            }
        }
        try SchemaParser.refuseDirectCycles(in: definitions)
        root = try parser.parse(value, at: "", depth: 0)
        self.definitions = definitions
        source = value
    }

    /// The schema a `$ref` names, or `node` itself.
    public func resolve(_ node: SchemaNode) -> SchemaNode {
        var node = node
        var hops = 0
        while let name = node.reference, let target = definitions[name], hops < Self.maxDepth {
            node = target
            hops += 1
        }
        return node
    }
}

/// The JSON types a schema names.
public enum JSONType: String, Sendable, CaseIterable {
    case object, array, string, number, integer, boolean, null
}

/// One schema of the supported subset; the keywords it does not use are nil.
public final class SchemaNode: Sendable {
    public enum Additional: Sendable {
        case allowed
        case forbidden
        case schema(SchemaNode)
    }

    public enum Format: String, Sendable {
        case date
        case dateTime = "date-time"
        case email
    }

    /// Where the schema is, in the whole schema's JSON.
    public let pointer: String
    public let types: [JSONType]?
    public let description: String?
    /// Properties in name order.
    public let properties: [(name: String, schema: SchemaNode)]
    public let required: [String]
    public let additionalProperties: Additional
    public let items: SchemaNode?
    public let enumValues: [JSONValue]?
    public let constValue: JSONValue?
    public let minLength: Int?
    public let maxLength: Int?
    public var pattern: String? { compiledPattern?.source }
    public let compiledPattern: SchemaPattern?
    public let format: Format?
    public let minimum: Double?
    public let maximum: Double?
    public let exclusiveMinimum: Double?
    public let exclusiveMaximum: Double?
    public let minItems: Int?
    public let maxItems: Int?
    /// The `$defs` name a `$ref` points to.
    public let reference: String?
    public let anyOf: [SchemaNode]?
    public let oneOf: [SchemaNode]?

    init(pointer: String, keywords: SchemaParser.Keywords) {
        self.pointer = pointer
        types = keywords.types
        description = keywords.description
        properties = keywords.properties
        required = keywords.required
        additionalProperties = keywords.additionalProperties
        items = keywords.items
        enumValues = keywords.enumValues
        constValue = keywords.constValue
        minLength = keywords.minLength
        maxLength = keywords.maxLength
        compiledPattern = keywords.pattern
        format = keywords.format
        minimum = keywords.minimum
        maximum = keywords.maximum
        exclusiveMinimum = keywords.exclusiveMinimum
        exclusiveMaximum = keywords.exclusiveMaximum
        minItems = keywords.minItems
        maxItems = keywords.maxItems
        reference = keywords.reference
        anyOf = keywords.anyOf
        oneOf = keywords.oneOf
    }

    /// Whether `null` is allowed by `type`.
    public var isNullable: Bool { types?.contains(.null) ?? true }
}
