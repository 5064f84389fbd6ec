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
/// object. Acknowledgement calls are serialised by a mutex and only the first terminal
/// one (ack, nak, term) is sent.
public final class JetStreamMessage: Sendable {
    public let subject: String
    public let payload: [UInt8]
    public let headers: [String: String]
    public let delivery: DeliveryInfo
    private let handle: Mutex<MessageHandle>
    private let connection: NATSConnection

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
            numDelivered: Int(meta.pointee.NumDelivered), streamSequence: meta.pointee.Sequence.Stream,
            timestamp: Date(timeIntervalSince1970: Double(meta.pointee.Timestamp) / 1e9))
        jsMsgMetaData_Destroy(meta)
        handle = Mutex(MessageHandle(message: message))
        self.connection = connection
    }

    /// Acknowledges and waits for the server to confirm, so a job is never reported done
    /// while its message could still be redelivered.
    public func ack() async throws {
        try await connection.blockingCall { [self] in
            try handle.withLock { handle throws(NATSError) in
                guard !handle.settled else { return }
                var code = jsErrCode(rawValue: 0)
                try check("ack", natsMsg_AckSync(handle.message, nil, &code), code)
                handle.settled = true
            }
        }
    }

    /// Asks for redelivery after `delay` (0 = at once).
    public func nak(delay: Duration = .zero) throws {
        try settle("nak") { message in
            delay.milliseconds > 0 ? natsMsg_NakWithDelay(message, delay.milliseconds, nil) : natsMsg_Nak(message, nil)
        }
    }

    /// Stops redelivery. On a work-queue stream this deletes the message.
    public func term() throws {
        try settle("term") { natsMsg_Term($0, nil) }
    }

    /// Resets the server's ack timer while the job runs.
    public func inProgress() throws {
        try handle.withLock { handle throws(NATSError) in
            guard !handle.settled else { return }
            try check("in-progress ack", natsMsg_InProgress(handle.message, nil))
        }
    }

    private func settle(_ operation: String, _ body: (OpaquePointer) -> natsStatus) throws(NATSError) {
        try handle.withLock { handle throws(NATSError) in
            guard !handle.settled else { return }
            try check(operation, body(handle.message))
            handle.settled = true
        }
    }
}

/// `@unchecked Sendable`: the libnats message is owned by exactly one `MessageHandle`,
/// which lives inside the mutex of its `JetStreamMessage`, so every use is serialised.
struct MessageHandle: ~Copyable, @unchecked Sendable {
    let message: OpaquePointer
    var settled = false

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
