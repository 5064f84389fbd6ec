import Foundation
import HTTPTypes
import OCRFleetAPI

/// A request the gateway refused, or one that never got an answer from it.
public struct GatewayError: Error, CustomStringConvertible, Sendable {
    /// The HTTP status; nil when no answer came.
    public var status: Int?
    /// The gateway's error code (`job_exists`, `backlog`, `rate_limited`, …), when it gave one.
    public var code: String?
    /// The request field the gateway blamed, when it named one.
    public var field: String?
    /// How long the gateway asked the client to wait (`Retry-After`, on 429 and 503).
    public var retryAfter: Duration?
    public let description: String

    init(description: String, status: Int? = nil, code: String? = nil, field: String? = nil, retryAfter: Duration? = nil) {
        self.description = description
        self.status = status
        self.code = code
        self.field = field
        self.retryAfter = retryAfter
    }

    /// The gateway's answer `status` with `body`: its JSON error (`{"error": {"code", "message"}}`),
    /// or the start of whatever else it sent.
    public init(status: Int, headerFields: HTTPFields, body: [UInt8]) {
        let retryAfter = headerFields[.retryAfter].flatMap(Self.retryAfter)
        if let error = try? JSONDecoder().decode(Components.Schemas._Error.self, from: Data(body)).error {
            self.init(
                description: "\(status) \(error.code): \(error.message)",
                status: status,
                code: error.code,
                field: error.field,
                retryAfter: retryAfter
            )
        } else {
            let text = String(decoding: body.prefix(200), as: UTF8.self)
            self.init(description: "HTTP \(status) \(text)", status: status, retryAfter: retryAfter)
        }
    }

    /// A `Retry-After` value in seconds (the only form the gateway sends); nil for anything else.
    static func retryAfter(_ value: String) -> Duration? {
        guard let seconds = Int(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 else { return nil }
        return .seconds(seconds)
    }
}
