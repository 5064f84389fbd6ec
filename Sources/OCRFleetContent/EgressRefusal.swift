/// Why the egress policy refused a URL: a reason fit for the job's submitter, and a detail
/// (host, address, its kind) for the logs only.
public struct EgressRefusal: Error, Sendable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case badURL
        case scheme
        /// Outside `OCR_SOURCE_ALLOW_HOSTS` / `OCR_WEBHOOK_ALLOW_HOSTS`.
        case notInHostList
        /// The host is, or resolves to, an address of this kind, or is a metadata service's name.
        case refused(AddressKind)
        case unresolvable
    }

    public let reason: Reason
    public let detail: String

    /// The reason as the end of a sentence that starts "the source URL", "the result URL"…
    /// It never names an address or port: it goes back to whoever submitted the URL.
    public var phrase: String {
        switch reason {
        case .badURL: "is not a valid URL"
        case .scheme: "is not an http or https URL"
        case .notInHostList: "names a host outside the allowed hosts"
        case .refused: "is refused by the egress policy (public addresses only, unless an operator allows more)"
        case .unresolvable: "names a host that could not be resolved"
        }
    }

    public var description: String { "\(phrase) [\(detail)]" }
}
