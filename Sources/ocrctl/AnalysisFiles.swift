import ArgumentParser
import Foundation
import OCRFleetModel

/// `submit`'s `--classify`, `--split`, `--extract` and `--instructions`: the labels and schema
/// files read and checked here, before anything is uploaded, so a mistake is named by its
/// file and the schema's by its JSON pointer.
struct AnalysisFiles {
    var classify: String?
    var split: Bool
    var extractEach: Bool
    var extract: String?
    var instructions: String?

    /// Whether any of them is asked for, which needs a place for `extraction.json`.
    var isAsked: Bool { classify != nil || split || extract != nil }

    /// The options the flags ask for; a `ValidationError` naming the flag and file otherwise.
    func options() throws -> (classify: ClassificationOptions?, split: SplitOptions?, extract: ExtractionOptions?) {
        if split, classify == nil { throw ValidationError("--split cuts by page label: it needs --classify") }
        if extractEach, !split || extract == nil { throw ValidationError("--extract-each goes with --split and --extract") }
        if instructions != nil, extract == nil { throw ValidationError("--instructions goes with --extract") }
        let labels = try classify.map(Self.labels)
        let extraction = try extract.map { try Self.extraction($0, instructions: instructions) }
        return (labels, split ? SplitOptions(extractEach: extractEach) : nil, extraction)
    }

    /// The schema file's JSON with the instructions, checked as a job's are.
    static func extraction(_ path: String, instructions: String?) throws -> ExtractionOptions {
        let options = ExtractionOptions(schema: try json(path, flag: "--extract"), instructions: instructions)
        do {
            try options.validate()
        } catch {
            throw ValidationError(
                error.message
                    .replacingOccurrences(of: "options.extract.schema", with: "--extract \(path)")
                    .replacingOccurrences(of: "options.extract.instructions", with: "--instructions")
            )
        }
        return options
    }

    /// `[{"name": …, "description": …}]` or `{"labels": […]}`.
    static func labels(_ path: String) throws -> ClassificationOptions {
        let value = try json(path, flag: "--classify")
        let labels: ClassificationOptions
        if case .array = value {
            labels = ClassificationOptions(labels: try decode([ClassificationOptions.Label].self, value, path))
        } else {
            labels = try decode(ClassificationOptions.self, value, path)
        }
        if let problem = labels.problem {
            throw ValidationError("--classify \(path): " + problem.message.replacingOccurrences(of: "options.classify.", with: ""))
        }
        return labels
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ value: JSONValue, _ path: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: JSONEncoder().encode(value))
        } catch let error as DecodingError {
            throw ValidationError(
                "--classify \(path): \(error.summary); give [{\"name\": …, \"description\": …}] or {\"labels\": […]}"
            )
        }
    }

    static func json(_ path: String, flag: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("\(flag): cannot read \(path)") }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw ValidationError("\(flag) \(path) is not JSON")
        }
    }
}
