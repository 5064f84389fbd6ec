import Foundation
import HTTPTypes
import OCRFleetAPI

/// Each operation's query parameters as the document declares them, to name the one a request
/// got wrong: whole numbers and enumerations are what the generated decoder can refuse.
enum QueryParameters {
    enum Kind {
        case integer
        case oneOf(Set<String>)
        case text
    }

    /// operationId → parameter name → kind.
    static let declared: [String: [String: Kind]] = {
        guard let document = try? JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any],
            let paths = document["paths"] as? [String: [String: Any]]
        else { return [:] }
        let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]] ?? [:]
        var declared: [String: [String: Kind]] = [:]
        for operation in paths.values.flatMap(\.values).compactMap({ $0 as? [String: Any] }) {
            guard let id = operation["operationId"] as? String else { continue }
            for parameter in operation["parameters"] as? [[String: Any]] ?? [] where parameter["in"] as? String == "query" {
                guard let name = parameter["name"] as? String, var schema = parameter["schema"] as? [String: Any] else { continue }
                if let reference = schema["$ref"] as? String {
                    schema = schemas[String(reference.split(separator: "/").last ?? "")] ?? [:]
                }
                declared[id, default: [:]][name] = kind(of: schema)
            }
        }
        return declared
    }()

    static func kind(of schema: [String: Any]) -> Kind {
        if let values = schema["enum"] as? [String] { return .oneOf(Set(values)) }
        return schema["type"] as? String == "integer" ? .integer : .text
    }

    /// The first query parameter of `request` whose value the document's type for it refuses.
    static func refused(in request: HTTPRequest, operation: String) -> String? {
        guard let parameters = declared[operation],
            let query = request.path?.split(separator: "?", maxSplits: 1).dropFirst().first
        else { return nil }
        for item in query.split(separator: "&") {
            let pair = item.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            guard let name = pair.first, let kind = parameters[name] else { continue }
            let value = pair.count == 2 ? pair[1] : ""
            switch kind {
            case .integer where Int(value) == nil: return name
            case .oneOf(let values) where !values.contains(value): return name
            default: continue
            }
        }
        return nil
    }
}
