import CNats
import Foundation
import OCRFleetModel
import Synchronization

/// Delivery facts from the JetStream reply subject.
public struct DeliveryInfo: Sendable, Equatable {
    /// 1 on the first delivery; the attempt number of the job.
    public var numDelivered: Int
    public var streamSequence: UInt64
    /// When the message was stored in the stream (first attempt time of a job).
    public var timestamp: Date
}

/// A message pulled from the worker consumer. The payload and headers are copied out on
/// receipt; the libnats message is kept only to acknowledge it and is destroyed with this
/// object, so nothing is sent for it afterwards (every call below holds the object).
///
/// Acknowledgements run on the connection's threads, never on Swift's cooperative pool. Only
/// the first terminal one (ack, nak, term) is sent. No lock is held across a round trip: an
/// ack claims the message, waits for the server outside the lock, and gives the claim back if
/// it failed; an in-progress ack during that wait is skipped (the message is being settled),
/// so a heartbeat never waits for a slow ack.
public final class JetStreamMessage: Sendable {
    public let subject: String
    public let payload: [UInt8]
    public let headers: [String: String]
    public let delivery: DeliveryInfo
    private let handle: MessageHandle
    /// Serialises libnats's use of the message. Held only around calls that queue a publish
    /// and return (in-progress, nak, term), never across `AckSync`'s wait for the server.
    private let settlement = Mutex(Settlement.open)
    private let connection: NATSConnection

    private enum Settlement {
        case open
        /// An ack is waiting for the server; nothing else is sent meanwhile.
        case acking
        case settled
    }

    init(taking message: OpaquePointer, connection: NATSConnection) throws(NATSError) {
        subject = String(cString: natsMsg_GetSubject(message))
        payload = readPayload(message)
        headers = readHeaders(message)
        var meta: UnsafeMutablePointer<jsMsgMetaData>?
        let status = natsMsg_GetMetaData(&meta, message)
        guard status == NATS_OK, let meta else {
            natsMsg_Destroy(message)
            throw NATSError("natsMsg_GetMetaData", status: status)
        }
        delivery = DeliveryInfo(
            numDelivered: Int(meta.pointee.NumDelivered),
            streamSequence: meta.pointee.Sequence.Stream,
            timestamp: Date(timeIntervalSince1970: Double(meta.pointee.Timestamp) / 1e9)
        )
        jsMsgMetaData_Destroy(meta)
        handle = MessageHandle(message: message)
        self.connection = connection
    }

    /// Acknowledges and waits for the server to confirm, so a job is never reported done
    /// while its message could still be redelivered.
    public func ack() async throws {
        try await connection.blockingCallIgnoringCancellation { [self] in
            let claimed = settlement.withLock { settlement in
                guard case .open = settlement else { return false }
                settlement = .acking
                return true
            }
            guard claimed else { return }
            var code = jsErrCode(rawValue: 0)
            let status = natsMsg_AckSync(handle.message, nil, &code)
            settlement.withLock { $0 = status == NATS_OK ? .settled : .open }
            try check("ack", status, code)
        }
    }

    /// Asks for redelivery after `delay` (0 = at once).
    public func nak(delay: Duration = .zero) async throws {
        try await settle("nak") { message in
            delay.milliseconds > 0 ? natsMsg_NakWithDelay(message, delay.milliseconds, nil) : natsMsg_Nak(message, nil)
        }
    }

    /// Stops redelivery. On a work-queue stream this deletes the message.
    public func term() async throws {
        try await settle("term") { natsMsg_Term($0, nil) }
    }

    /// Resets the server's ack timer while the job runs. Skipped once the message is being
    /// settled, and when the calling task is cancelled before it goes out.
    public func inProgress() async throws {
        try await connection.blockingCall { [self] in
            try settlement.withLock { settlement throws(NATSError) in
                guard case .open = settlement else { return }
                try check("in-progress ack", natsMsg_InProgress(handle.message, nil))
            }
        }
    }

    private func settle(_ operation: String, _ send: @escaping @Sendable (OpaquePointer) -> natsStatus) async throws {
        try await connection.blockingCallIgnoringCancellation { [self] in
            try settlement.withLock { settlement throws(NATSError) in
                guard case .open = settlement else { return }
                try check(operation, send(handle.message))
                settlement = .settled
            }
        }
    }
}

/// Owns the libnats message and destroys it with its `JetStreamMessage`.
///
/// `@unchecked Sendable`: the pointer never changes, and its `JetStreamMessage` serialises
/// every libnats call on it (see `settlement`).
struct MessageHandle: ~Copyable, @unchecked Sendable {
    let message: OpaquePointer

    init(message: OpaquePointer) { self.message = message }

    deinit { natsMsg_Destroy(message) }
}

/// A copy of the message's data, which libnats frees with the message.
func readPayload(_ message: OpaquePointer) -> [UInt8] {
    let length = Int(natsMsg_GetDataLength(message))
    return natsMsg_GetData(message).map { data in
        data.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    } ?? []
}

func readHeaders(_ message: OpaquePointer) -> [String: String] {
    var keys: UnsafeMutablePointer<UnsafePointer<CChar>?>?
    var count: Int32 = 0
    guard natsMsgHeader_Keys(message, &keys, &count) == NATS_OK, let keys else { return [:] }
    defer { free(keys) }
    var headers: [String: String] = [:]
    for index in 0..<Int(count) {
        guard let key = keys[index] else { continue }
        var value: UnsafePointer<CChar>?
        if natsMsgHeader_Get(message, key, &value) == NATS_OK, let value {
            headers[String(cString: key)] = String(cString: value)
        }
    }
    return headers
}
