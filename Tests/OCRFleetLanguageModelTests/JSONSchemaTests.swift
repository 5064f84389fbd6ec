import Foundation
import OCRFleetLanguageModel
import OCRFleetModel
import Testing

/// Schemas are refused with the pointer of the problem; answers are checked with every
/// violation's pointer.
@Suite struct JSONSchemaTests {
    static func schema(_ json: String) throws -> JSONSchema {
        try JSONSchema(json: Array(json.utf8))
    }

    static func value(_ json: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
    }

    static func refusal(_ json: String) -> SchemaError? {
        do {
            _ = try schema(json)
            return nil
        } catch {
            return error as? SchemaError
        }
    }

    @Test func unsupportedOrInvalidSchemasNameTheirPlace() {
        let cases: [(schema: String, pointer: String)] = [
            (#"{"type": "object", "properties": {"a": {"type": "strin"}}}"#, "/properties/a/type"),
            (#"{"properties": {"a/b": {"type": ["string", 3]}}}"#, "/properties/a~1b/type/1"),
            (#"{"properties": {"x": {"if": {}}}}"#, "/properties/x/if"),
            (#"{"items": {"pattern": "(unclosed"}}"#, "/items/pattern"),
            (#"{"properties": {"d": {"format": "uri"}}}"#, "/properties/d/format"),
            (#"{"properties": {"r": {"$ref": "https://example.com/s.json"}}}"#, "/properties/r/$ref"),
            (##"{"$defs": {"a": {"type": "string"}}, "properties": {"r": {"$ref": "#/$defs/b"}}}"##, "/properties/r/$ref"),
            // A constraint beside a `$ref` would never be checked: refused, not ignored.
            (##"{"$defs": {"a": {"type": "string"}}, "properties": {"r": {"$ref": "#/$defs/a", "maxLength": 3}}}"##, "/properties/r/maxLength"),
            (#"{"anyOf": []}"#, "/anyOf"),
            (#"{"properties": {"s": {"minLength": 5, "maxLength": 2}}}"#, "/properties/s/minLength"),
            (#"{"properties": {"n": {"minimum": "1"}}}"#, "/properties/n/minimum"),
            (#"[1, 2]"#, ""),
            (#"{"type": "object""#, ""),
        ]
        for (json, pointer) in cases {
            let error = Self.refusal(json)
            #expect(error?.pointer == pointer, "\(json): \(String(describing: error))")
            #expect(error?.ocrError.code == .invalidJob)
        }
    }

    @Test func boundsAreEnforcedWithThePlaceThatCrossesThem() throws {
        var nested = #"{"type": "string"}"#
        for _ in 0..<40 { nested = #"{"items": \#(nested)}"# }
        let deep = try #require(Self.refusal(nested))
        #expect(deep.pointer == "/" + Array(repeating: "items", count: 33).joined(separator: "/"))
        #expect(deep.message.contains("32"))

        let names = (0..<1001).map { String(format: "\"p%04d\": {\"type\": \"string\"}", $0) }
        let wide = try #require(Self.refusal("{\"properties\": {\(names.joined(separator: ","))}}"))
        #expect(wide.pointer == "/properties/p1000")

        let padding = String(repeating: " ", count: JSONSchema.maxBytes)
        let large = try #require(Self.refusal("{\"type\": \"object\"}" + padding))
        #expect(large.pointer == "" && large.message.contains("bytes"))
    }

    static let invoice = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "additionalProperties": false,
          "required": ["number", "total", "date", "lines"],
          "properties": {
            "number": {"type": "string", "pattern": "^INV-[0-9]+$", "description": "Invoice number"},
            "total": {"type": "number", "minimum": 0},
            "date": {"type": "string", "format": "date"},
            "email": {"type": ["string", "null"], "format": "email"},
            "currency": {"enum": ["EUR", "USD"]},
            "kind": {"const": "invoice"},
            "lines": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"$ref": "#/$defs/line"}},
            "stamp": {"type": "string", "format": "date-time"},
            "a/b~c": {"type": "integer", "exclusiveMaximum": 10}
          },
          "$defs": {
            "line": {
              "type": "object",
              "required": ["item", "quantity"],
              "properties": {"item": {"type": "string", "minLength": 1, "maxLength": 8}, "quantity": {"type": "integer"}}
            }
          }
        }
        """

    @Test func aValidInstanceHasNoViolations() throws {
        let schema = try Self.schema(Self.invoice)
        let instance = try Self.value(
            #"{"number": "INV-42", "total": 12.5, "date": "2024-02-29", "email": null, "currency": "EUR", "kind": "invoice", "lines": [{"item": "pens", "quantity": 3}], "stamp": "2024-03-01T10:00:00+01:00", "a/b~c": 9}"#
        )
        #expect(schema.validate(instance) == [])
    }

    @Test func everyViolationIsReportedWithItsPointer() throws {
        let schema = try Self.schema(Self.invoice)
        let instance = try Self.value(
            #"{"number": "42", "total": -1, "date": "2023-02-29", "email": "nobody", "currency": "GBP", "kind": "receipt", "lines": [{"item": "", "quantity": 1.5}, {"quantity": 1}], "stamp": "2024-03-01 25:00:00Z", "a/b~c": 10, "extra": true}"#
        )
        let pointers = Set(schema.validate(instance).map(\.pointer))
        #expect(
            pointers == [
                "/number", "/total", "/date", "/email", "/currency", "/kind", "/lines/0/item", "/lines/0/quantity",
                "/lines/1/item", "/stamp", "/a~1b~0c", "/extra",
            ]
        )
        let missing = try Self.value(#"{"number": "INV-1"}"#)
        #expect(Set(schema.validate(missing).map(\.pointer)) == ["/total", "/date", "/lines"])
        #expect(schema.validate(try Self.value("[]")).map(\.message) == ["expected object, got an array"])
    }

    @Test func anyOfAndOneOfChooseAmongOptions() throws {
        let schema = try Self.schema(
            #"{"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 2}], "description": "a count or a measure"}"#
        )
        #expect(schema.validate(.number(1)) == [])
        #expect(schema.validate(.number(2.5)) == [])
        #expect(schema.validate(.number(3)).map(\.message) == ["matches 2 of the `oneOf` schemas, not exactly one"])
        #expect(schema.validate(.string("x")).count == 1)
    }

    @Test func aSchemaThatRefersToItselfEndsItsChecksAtABound() throws {
        let schema = try Self.schema(
            ##"{"$defs": {"node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/node"}}}}, "properties": {"list": {"$ref": "#/$defs/node"}}}"##
        )
        var list: JSONValue = .object([:])
        for _ in 0..<100 { list = .object(["next": list]) }
        let deep = schema.validate(.object(["list": list]))
        #expect(deep.map(\.message) == ["nested too deep"])
        #expect(deep.first?.pointer.hasPrefix("/list/next/next") == true)
    }

    @Test func aReferenceCycleWithoutAPropertyOrItemIsRefused() {
        let cases: [(schema: String, pointer: String)] = [
            (##"{"$defs": {"a": {"anyOf": [{"$ref": "#/$defs/a"}, {"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}"##, "/$defs/a/anyOf/0/$ref"),
            (
                ##"{"$defs": {"loop": {"anyOf": [{"$ref": "#/$defs/loop"}]}}, "properties": {"l": {"$ref": "#/$defs/loop"}}}"##,
                "/$defs/loop/anyOf/0/$ref"
            ),
            (##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"oneOf": [{"type": "null"}, {"$ref": "#/$defs/a"}]}}}"##, "/$defs/b/oneOf/1/$ref"),
        ]
        for (schema, pointer) in cases {
            let error = Self.refusal(schema)
            #expect(error?.pointer == pointer, "\(schema): \(error.map(String.init(describing:)) ?? "accepted")")
        }
        // Through a property or an item, an instance must nest to go round: allowed.
        #expect(Self.refusal(##"{"$defs": {"t": {"anyOf": [{"type": "null"}, {"items": {"$ref": "#/$defs/t"}}]}}, "$ref": "#/$defs/t"}"##) == nil)
    }

    @Test func aSchemaTooCostlyToCheckGivesOneViolation() throws {
        // 32 definitions of two options each, both the next: 2^32 paths for one instance.
        var definitions = (0..<32).map { ##""a\##($0)": {"anyOf": [{"$ref": "#/$defs/a\##($0 + 1)"}, {"$ref": "#/$defs/a\##($0 + 1)"}]}"## }
        definitions.append(#""a32": {"type": "string"}"#)
        let schema = try Self.schema(#"{"$defs": {"# + definitions.joined(separator: ", ") + ##"}, "$ref": "#/$defs/a0"}"##)
        let violations = schema.validate(.number(1))
        #expect(violations.map(\.pointer) == [""])
        #expect(violations.map(\.message) == ["the schema is too costly to check this answer against"])
    }

    @Test func patternsAreBoundedInLengthAndInWhatTheyCheck() throws {
        let long = String(repeating: "a", count: SchemaPattern.maxPatternLength + 1)
        #expect(Self.refusal(#"{"properties": {"p": {"pattern": "\#(long)"}}}"#)?.pointer == "/properties/p/pattern")
        let schema = try Self.schema(#"{"type": "string", "pattern": "^(a+)+$"}"#)
        #expect(schema.validate(.string("aaaa")).isEmpty)
        #expect(schema.validate(.string("aab")).map(\.message) == ["does not match the pattern ^(a+)+$"])
        let huge = String(repeating: "a", count: SchemaPattern.maxCheckedLength) + "b"
        #expect(schema.validate(.string(huge)).map(\.message) == ["is too long to check against pattern (over 10000 characters)"])
    }
}
