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

/// A message pulled from a consumer. Its subject, payload, headers and reply subject are
/// copied out on receipt and the libnats message is destroyed at once: it is settled through
/// its reply subject (`$JS.ACK.…`), JetStream's acknowledgement protocol, so it needs neither
/// the libnats message nor the subscription that fetched it. That lets a pull made by a
/// plain request (`NATSConnection.pullOne`, which libnats cannot acknowledge) be settled like
/// one fetched through a pull subscription.
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
    /// `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>`.
    private let reply: String
    /// Serialises the settling messages. Held only around publishes, which queue and return
    /// (in-progress, nak, term), never across an ack's wait for the server.
    private let settlement = Mutex(Settlement.open)
    private let connection: NATSConnection

    private enum Settlement {
        case open
        /// An ack is waiting for the server; nothing else is sent meanwhile.
        case acking
        case settled
    }

    /// Reads and destroys `message`.
    init(taking message: OpaquePointer, connection: NATSConnection) throws(NATSError) {
        defer { natsMsg_Destroy(message) }
        subject = String(cString: natsMsg_GetSubject(message))
        payload = readPayload(message)
        headers = readHeaders(message)
        reply = natsMsg_GetReply(message).map { String(cString: $0) } ?? ""
        guard let delivery = DeliveryInfo(ackSubject: reply) else {
            throw NATSError("read a JetStream delivery's reply subject '\(reply)'", status: NATS_ERR)
        }
        self.delivery = delivery
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
            var answer: OpaquePointer?
            let status = natsConnection_RequestString(&answer, connection.connection, reply, "+ACK", NATSConnection.jetStreamWait)
            natsMsg_Destroy(answer)
            settlement.withLock { $0 = status == NATS_OK ? .settled : .open }
            try check("ack", status)
        }
    }

    /// Asks for redelivery after `delay` (0 = at once).
    public func nak(delay: Duration = .zero) async throws {
        let nanoseconds = delay.milliseconds * 1_000_000
        try await settle("nak", nanoseconds > 0 ? "-NAK {\"delay\": \(nanoseconds)}" : "-NAK")
    }

    /// Stops redelivery. On a work-queue stream this deletes the message.
    public func term() async throws {
        try await settle("term", "+TERM")
    }

    /// Resets the server's ack timer while the job runs. Skipped once the message is being
    /// settled, and when the calling task is cancelled before it goes out.
    public func inProgress() async throws {
        try await connection.blockingCall { [self] in
            try settlement.withLock { settlement throws(NATSError) in
                guard case .open = settlement else { return }
                try check("in-progress ack", natsConnection_PublishString(connection.connection, reply, "+WPI"))
            }
        }
    }

    private func settle(_ operation: String, _ body: String) async throws {
        try await connection.blockingCallIgnoringCancellation { [self] in
            try settlement.withLock { settlement throws(NATSError) in
                guard case .open = settlement else { return }
                try check(operation, natsConnection_PublishString(connection.connection, reply, body))
                settlement = .settled
            }
        }
    }
}

extension DeliveryInfo {
    /// Reads a JetStream reply subject: `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.
    /// <consumer seq>.<time ns>.<pending>`, or the form with a domain and an account hash
    /// before the stream (and, on newer servers, a token after the pending count).
    init?(ackSubject: String) {
        let tokens = ackSubject.split(separator: ".", omittingEmptySubsequences: false)
        guard tokens.count >= 9, tokens[0] == "$JS", tokens[1] == "ACK" else { return nil }
        // Fields from the stream's name on: 7 in the first form, 9 or 10 in the second.
        let fields = tokens.count == 9 ? tokens[2...] : tokens.count >= 11 ? tokens[4...] : nil
        guard let fields, fields.count >= 7 else { return nil }
        let start = fields.startIndex
        guard let delivered = Int(fields[start + 2]), let sequence = UInt64(fields[start + 3]),
            let nanoseconds = Int64(fields[start + 5])
        else { return nil }
        self.init(
            numDelivered: delivered,
            streamSequence: sequence,
            timestamp: Date(timeIntervalSince1970: Double(nanoseconds) / 1e9)
        )
    }
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
