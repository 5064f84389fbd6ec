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
    /// by the server, without an expiry, until one of its deliveries is settled. The pull
    /// waits 30 s for that; an answer after it comes to the next pull through the same inbox.
    func pullOne(stream: String, consumer: String, wait: Duration?, inbox: PullInbox) async throws -> JetStreamMessage? {
        let subject = "$JS.API.CONSUMER.MSG.NEXT.\(stream).\(consumer)"
        let request =
            wait.map { #"{"batch":1,"expires":\#($0.milliseconds * 1_000_000)}"# } ?? #"{"batch":1,"no_wait":true}"#
        // With an expiry the server's "expired" answer comes before the pull gives up.
        let timeout = wait.map { Self.jetStreamWait + $0.milliseconds } ?? 30_000
        return try await blockingCall { [self] in
            try check("pull from \(consumer)", natsConnection_PublishRequestString(connection, subject, inbox.subject, request))
            guard let answer = try inbox.next(timeout: timeout) else {
                logger.warning("a pull had no answer", metadata: ["consumer": "\(consumer)", "timeout_ms": "\(timeout)"])
                return nil
            }
            guard let reply = natsMsg_GetReply(answer), String(cString: reply).hasPrefix("$JS.ACK.") else {
                natsMsg_Destroy(answer)
                return nil
            }
            return try JetStreamMessage(taking: answer, connection: self)
        }
    }
}
