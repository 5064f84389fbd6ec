import Foundation
import OCRFleetModel

/// An upload's `classify`, `split`, `extract` and `instructions` form fields (and the `split`
/// query parameter) as the job's options. Labels and a schema are JSON, read as the contract's
/// types so a mistake is named by its field; they never come in a URL.
enum AnalysisFields {
    /// The options with the fields that are given put over what the options part said.
    static func apply(_ parameters: [String: String], to options: inout JobOptions) throws(APIError) {
        if let text = parameters["classify"] { options.classify = try classification(text) }
        if let text = parameters["split"] { options.split = try split(text) }
        if let text = parameters["extract"] {
            options.extract = ExtractionOptions(schema: try schema(text), instructions: options.extract?.instructions)
        }
        if let instructions = parameters["instructions"] {
            guard options.extract != nil else {
                throw APIError.invalid("instructions go with extract, the schema they are for", field: "options.extract.instructions")
            }
            options.extract?.instructions = instructions
        }
    }

    /// `[{"name": …, "description": …}, …]` or `{"labels": […]}`.
    static func classification(_ text: String) throws(APIError) -> ClassificationOptions {
        let isList = text.first(where: { !$0.isWhitespace }) == "["
        do {
            let data = Data(text.utf8)
            if isList { return ClassificationOptions(labels: try JSONDecoder().decode([ClassificationOptions.Label].self, from: data)) }
            return try JSONDecoder().decode(ClassificationOptions.self, from: data)
        } catch {
            let path = (error as? DecodingError)?.fieldPath
            let field =
                isList ? "options.classify.labels" + (path.map { $0.hasPrefix("[") ? $0 : ".\($0)" } ?? "") : path.map { "options.classify.\($0)" }
            let problem = (error as? DecodingError)?.summary ?? "not JSON"
            throw APIError.invalid(
                "classify must be JSON labels, [{\"name\": …, \"description\": …}] or {\"labels\": […]}: \(problem)",
                field: field ?? "options.classify"
            )
        }
    }

    /// `true`: sections; `extract_each`: sections, each extracted on its own.
    static func split(_ text: String) throws(APIError) -> SplitOptions {
        switch text.trimmingCharacters(in: .whitespaces) {
        case "true": return SplitOptions()
        case "extract_each": return SplitOptions(extractEach: true)
        default: throw APIError.invalid("split must be true or extract_each", field: "options.split")
        }
    }

    /// The schema's JSON; whether the fleet can use it is the job's validation's to say.
    static func schema(_ text: String) throws(APIError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw APIError.invalid("extract must be the schema's JSON, and this is not JSON", field: "options.extract.schema")
        }
    }
}
