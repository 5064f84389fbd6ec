import CNats
import Foundation
import Logging
import OCRFleetModel

/// A subscription of its own for a puller's answers. JetStream delivers a pulled message under
/// the message's own subject, not the request's reply subject. libnats's shared request inbox
/// finds the waiting request by that subject, so with more than one request outstanding on the
/// connection (an ack, a KV read) it drops the message, which then waits out its ack wait. Here
/// every answer arrives on this subscription, whatever its subject; one that comes after its
/// pull gave up is taken by the next pull. Used by one pull at a time.
///
/// `@unchecked Sendable`: the subscription is set once and destroyed in `deinit`; its uses are
/// serialised by its owner.
final class PullInbox: @unchecked Sendable {
    let subject: String
    private let subscription: OpaquePointer

    init(connection: NATSConnection) throws(NATSError) {
        subject = "\(connection.inboxPrefix).pull.\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        var subscription: OpaquePointer?
        try check("subscribe to \(subject)", natsConnection_SubscribeSync(&subscription, connection.connection, subject))
        self.subscription = subscription!
    }

    deinit {
        natsSubscription_Unsubscribe(subscription)
        natsSubscription_Destroy(subscription)
    }

    /// The next answer, waiting up to `timeout` milliseconds; nil when none came.
    func next(timeout: Int64) throws(NATSError) -> OpaquePointer? {
        var message: OpaquePointer?
        let status = natsSubscription_NextMsg(&message, subscription, timeout)
        if status == NATS_TIMEOUT { return nil }
        try check("read \(subject)", status)
        return message
    }
}

extension NATSConnection {
    /// The next message of a durable pull consumer, pulled by a plain request as JetStream's
    /// pull API answers one, into `inbox`. With `wait` nil it does not wait (`no_wait`): when
    /// the consumer has nothing to deliver the server says so at once. libnats's fetch cannot
    /// ask that: it always sends an expiry, with which the server holds an empty pull until it
    /// expires. With `wait` the server holds the pull up to then. A status answer (none,
    /// expired, too many waiting) is nil.
    ///
    /// A `no_wait` pull of a consumer that has messages but is at its `MaxAckPending` is held
    /// by the server until one of its deliveries is settled: up to `hold`, or without it 30 s,
    /// after which an answer comes to the next pull through the same inbox. With `hold` an
    /// empty consumer also holds the pull that long.
    func pullOne(
        stream: String,
        consumer: String,
        wait: Duration?,
        hold: Duration? = nil,
        inbox: PullInbox
    ) async throws -> JetStreamMessage? {
        let subject = "$JS.API.CONSUMER.MSG.NEXT.\(stream).\(consumer)"
        let request =
            if let wait {
                #"{"batch":1,"expires":\#(wait.milliseconds * 1_000_000)}"#
            } else if let hold {
                #"{"batch":1,"no_wait":true,"expires":\#(hold.milliseconds * 1_000_000)}"#
            } else {
                #"{"batch":1,"no_wait":true}"#
            }
        // With an expiry the server's "expired" answer comes before the pull gives up.
        let timeout = (wait ?? hold).map { Self.jetStreamWait + $0.milliseconds } ?? 30_000
        return try await blockingCall { [self] in
            // Disconnected, the request would wait in the reconnect buffer for the whole timeout:
            // a round of pulls would then outlast a shutdown's grace.
            guard isConnected else { throw NATSError("pull from \(consumer)", status: NATS_CONNECTION_DISCONNECTED) }
            try check("pull from \(consumer)", natsConnection_PublishRequestString(connection, subject, inbox.subject, request))
            // Waited for in slices: a connection lost meanwhile ends the wait (the answer, if
            // one comes after a reconnect, goes to the next pull through the same inbox).
            var waited: Int64 = 0
            var answer: OpaquePointer?
            while answer == nil {
                guard waited < timeout else {
                    logger.warning("a pull had no answer", metadata: ["consumer": "\(consumer)", "timeout_ms": "\(timeout)"])
                    return nil
                }
                guard isConnected else { throw NATSError("pull from \(consumer)", status: NATS_CONNECTION_DISCONNECTED) }
                let slice = min(timeout - waited, 500)
                answer = try inbox.next(timeout: slice)
                waited += slice
            }
            guard let answer else { return nil }
            guard let reply = natsMsg_GetReply(answer), String(cString: reply).hasPrefix("$JS.ACK.") else {
                natsMsg_Destroy(answer)
                return nil
            }
            return try JetStreamMessage(taking: answer, connection: self)
        }
    }

    /// What a pull consumer holds (jobs not yet delivered, deliveries not yet settled) and the
    /// settings that bound them; nil when there is no such consumer.
    func consumerLoad(stream: String, consumer: String) async throws -> ConsumerLoad? {
        try await blockingCall { [self] in
            var info: UnsafeMutablePointer<jsConsumerInfo>?
            var code = jsErrCode(rawValue: 0)
            let status = js_GetConsumerInfo(&info, jetStream, stream, consumer, nil, &code)
            defer { jsConsumerInfo_Destroy(info) }
            if status == NATS_NOT_FOUND || code == JSConsumerNotFoundErr { return nil }
            try check("read consumer \(consumer)", status, code)
            guard let info = info?.pointee else { return nil }
            return ConsumerLoad(
                undelivered: info.NumPending,
                unsettled: info.NumAckPending,
                maxUnsettled: info.Config?.pointee.MaxAckPending ?? -1,
                maxDeliver: info.Config?.pointee.MaxDeliver ?? -1,
                ackWait: info.Config?.pointee.AckWait ?? 0
            )
        }
    }
}

struct ConsumerLoad: Sendable, Equatable {
    var undelivered: UInt64
    var unsettled: Int64
    /// -1 (or 0): no limit.
    var maxUnsettled: Int64
    var maxDeliver: Int64
    /// Nanoseconds.
    var ackWait: Int64

    var isFull: Bool { maxUnsettled > 0 && unsettled >= maxUnsettled }
}
