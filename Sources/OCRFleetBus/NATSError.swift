import CNats

/// A failed libnats call: the library's status text, the JetStream error code if the
/// server sent one, and the library's last error detail.
public struct NATSError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let status: Int
    public let jetStreamCode: Int
    public let detail: String

    init(_ operation: String, status: natsStatus, jetStreamCode: jsErrCode = jsErrCode(rawValue: 0)) {
        self.operation = operation
        self.status = Int(status.rawValue)
        self.jetStreamCode = Int(jetStreamCode.rawValue)
        var lastStatus = NATS_OK
        let last = nats_GetLastError(&lastStatus).map { String(cString: $0) } ?? ""
        let text = String(cString: natsStatus_GetText(status))
        self.detail = last.isEmpty ? text : "\(text): \(last)"
    }

    /// A failure made by a test's fault injection, as NATS reports a request nobody answered.
    public static func injected(_ operation: String) -> NATSError {
        NATSError(operation, status: NATS_NO_RESPONDERS)
    }

    public var isTimeout: Bool { status == Int(NATS_TIMEOUT.rawValue) }
    public var isNotFound: Bool { status == Int(NATS_NOT_FOUND.rawValue) }

    public var description: String {
        jetStreamCode == 0 ? "\(operation): \(detail)" : "\(operation): \(detail) (JetStream error \(jetStreamCode))"
    }
}

@inline(__always)
func check(
    _ operation: @autoclosure () -> String,
    _ status: natsStatus,
    _ code: jsErrCode = jsErrCode(rawValue: 0)
)
    throws(NATSError)
{
    if status != NATS_OK { throw NATSError(operation(), status: status, jetStreamCode: code) }
}

/// Carries a libnats handle out of a blocking call. `@unchecked Sendable`: the handles it
/// carries (subscriptions, KV stores) are thread-safe in libnats, and ownership passes to
/// exactly one Swift object.
struct HandleTransfer: @unchecked Sendable {
    let raw: OpaquePointer
}
