/// Why a vLLM server failed a health check, worded for whoever runs it: each case names the
/// request and what was wrong with its answer.
enum HealthProblem: Error, CustomStringConvertible {
    /// No answer: refused, reset, timed out, or the name did not resolve.
    case unreachable(url: String, reason: String)
    /// An answer other than 200, with the start of its body (vLLM's error, a proxy's page).
    case status(url: String, code: UInt, body: String)
    /// A 200 whose body is not what vLLM sends; `reason` names the field.
    case unreadable(url: String, what: String, reason: String)
    /// A server that does not serve `OCR_VLLM_MODEL`: a configuration mistake.
    case modelNotServed(baseURL: String, served: [String], wanted: String)

    var description: String {
        switch self {
        case .unreachable(let url, let reason):
            "cannot reach \(url): \(reason)"
        case .status(let url, let code, let body):
            "GET \(url) answered \(code): \(AnswerProblem.snippet(body))"
        case .unreadable(let url, let what, let reason):
            "GET \(url) answered 200, but not \(what): \(reason)"
        case .modelNotServed(let baseURL, let served, let wanted):
            served.isEmpty
                ? "the vLLM server at \(baseURL) serves no model, not '\(wanted)' (OCR_VLLM_MODEL)"
                : "the vLLM server at \(baseURL) serves [\(served.joined(separator: ", "))], not '\(wanted)' (OCR_VLLM_MODEL)"
        }
    }
}
