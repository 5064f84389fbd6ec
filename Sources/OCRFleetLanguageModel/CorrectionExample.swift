import Foundation
import OCRFleetModel

/// An earlier correction shown to the model as an example (docs/extraction.md#learning-from-corrections):
/// a reviewer changed the value extracted at `field` from `extracted` to `corrected`. It is
/// reviewers' input, so it goes into the prompt as one line of JSON, data like the document.
public struct CorrectionExample: Codable, Sendable, Equatable {
    /// The field's JSON pointer in the values, `/total`.
    public var field: String
    public var extracted: JSONValue
    public var corrected: JSONValue

    public init(field: String, extracted: JSONValue, corrected: JSONValue) {
        self.field = field
        self.extracted = extracted
        self.corrected = corrected
    }

    /// The example as it is written in the prompt: one line of JSON with sorted keys, so a
    /// value's own line breaks and quotes are escaped and cannot end the block.
    public var line: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

extension CorrectionExample {
    /// The most examples a prompt carries.
    public static let maxExamples = 8
    /// The longest example line taken, and the most characters all of them may take.
    public static let maxLineLength = 1000
    public static let maxTotalLength = 4000

    /// The corrections most relevant to an extraction with `schema`, as examples: those of a
    /// field the schema has (array elements matched by position: `/lines/3/amount` is a
    /// `/lines/*/amount`) first, then the others; newest first within each; confirmations
    /// (`confirmed`, nothing was wrong) and repeats left out; at most `maxExamples`, each line
    /// at most `maxLineLength` characters and all at most `maxTotalLength`.
    public static func chosen(from corrections: [ReviewCorrection], schema: JSONSchema) -> [CorrectionExample] {
        let fields = schema.fieldPointers
        let candidates = corrections.filter { !$0.confirmed && $0.before != $0.after }
            .sorted { $0.at > $1.at }
        let relevant =
            candidates.filter { fields.contains(Self.shape(of: $0.pointer)) }
            + candidates.filter { !fields.contains(Self.shape(of: $0.pointer)) }
        var chosen: [CorrectionExample] = []
        var total = 0
        for correction in relevant where chosen.count < maxExamples {
            let example = CorrectionExample(field: correction.pointer, extracted: correction.before, corrected: correction.after)
            let length = example.line.count
            guard !chosen.contains(example), length <= maxLineLength, total + length <= maxTotalLength else { continue }
            chosen.append(example)
            total += length
        }
        return chosen
    }

    /// A pointer with its array indexes as `*`.
    static func shape(of pointer: String) -> String {
        pointer.split(separator: "/", omittingEmptySubsequences: false).map { token in
            !token.isEmpty && token.allSatisfy(\.isASCII) && token.allSatisfy(\.isNumber) ? "*" : String(token)
        }.joined(separator: "/")
    }
}

extension JSONSchema {
    /// The pointers of the values the schema describes, array elements as `*`
    /// (`/lines/*/amount`), down to the depth a schema may be nested.
    var fieldPointers: Set<String> {
        var pointers: Set<String> = []
        func walk(_ given: SchemaNode, at pointer: String, depth: Int) {
            guard depth <= JSONSchema.maxDepth, pointers.count < 10_000 else { return }
            let node = resolve(given)
            if !pointer.isEmpty { pointers.insert(pointer) }
            for (name, property) in node.properties {
                walk(property, at: JSONPointer.appending(name, to: pointer), depth: depth + 1)
            }
            if let items = node.items { walk(items, at: pointer + "/*", depth: depth + 1) }
            for option in (node.anyOf ?? []) + (node.oneOf ?? []) { walk(option, at: pointer, depth: depth + 1) }
        }
        walk(root, at: "", depth: 0)
        return pointers
    }
}
