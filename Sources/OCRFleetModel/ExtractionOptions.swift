import Foundation

/// Values to extract from the recognised text (`options.extract`): a JSON Schema in the
/// fleet's subset (`JSONSchema`) and the requester's instructions.
public struct ExtractionOptions: Codable, Sendable, Equatable {
    public static let maxInstructionsLength = 4000

    /// The values' JSON Schema (draft 2020-12, the subset docs/extraction.md lists).
    public var schema: JSONValue
    /// What to extract, in words, for the model; at most 4,000 characters (Unicode scalars).
    public var instructions: String?

    public init(schema: JSONValue, instructions: String? = nil) {
        self.schema = schema
        self.instructions = instructions
    }

    /// The schema, parsed.
    public func parsedSchema() throws(OCRError) -> JSONSchema {
        do {
            let json = (try? JSONEncoder().encode(schema)).map { Array($0) } ?? []
            return try JSONSchema(json: json)
        } catch {
            throw OCRError(.invalidJob, "options.extract.schema: \(error.description)")
        }
    }

    /// Fails as `invalid_job` with the JSON pointer of the schema's first problem.
    public func validate() throws(OCRError) {
        _ = try parsedSchema()
        if let instructions, instructions.unicodeScalars.count > Self.maxInstructionsLength {
            throw OCRError(.invalidJob, "options.extract.instructions is over \(Self.maxInstructionsLength) characters")
        }
    }
}
