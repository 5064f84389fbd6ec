/// Why a model server failed a health check, worded for whoever runs it: each case names the
/// request and what was wrong with its answer.
public enum HealthProblem: Error, CustomStringConvertible {
    /// No answer: refused, reset, timed out, or the name did not resolve.
    case unreachable(url: String, reason: String)
    /// An answer other than 200, with the start of its body (vLLM's error, a proxy's page).
    case status(url: String, code: UInt, body: String)
    /// A 200 whose body is not what vLLM sends; `reason` names the field.
    case unreadable(url: String, what: String, reason: String)
    /// A server that does not serve the configured model (named by `setting`): a configuration mistake.
    case modelNotServed(baseURL: String, served: [String], wanted: String, setting: String)

    public var description: String {
        switch self {
        case .unreachable(let url, let reason):
            "cannot reach \(url): \(reason)"
        case .status(let url, let code, let body):
            "GET \(url) answered \(code): \(AnswerProblem.snippet(body))"
        case .unreadable(let url, let what, let reason):
            "GET \(url) answered 200, but not \(what): \(reason)"
        case .modelNotServed(let baseURL, let served, let wanted, let setting):
            served.isEmpty
                ? "the vLLM server at \(baseURL) serves no model, not '\(wanted)' (\(setting))"
                : "the vLLM server at \(baseURL) serves [\(served.joined(separator: ", "))], not '\(wanted)' (\(setting))"
        }
    }
}
