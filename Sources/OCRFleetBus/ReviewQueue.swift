import CNats
import Foundation
import OCRFleetModel

/// One delivery of an item's queue message: its id and the reply subject that settles it.
struct ReviewDelivery: Sendable {
    var itemID: String
    /// `$JS.ACK.…`: acks, naks and terms published there settle this delivery from any connection.
    var reply: String
}

extension NATSConnection {
    /// One item, answered within 100 ms (`nextReview`).
    static let reviewPull = #"{"batch":1,"no_wait":true,"expires":100000000}"#

    /// Pulls the next message of a tenant's review consumer without waiting (`no_wait`):
    /// nil when none is ready. Each claim asks through an inbox of its own (`PullInbox`: the
    /// message comes under its own subject, which libnats's shared request inbox cannot match
    /// to the request while another is outstanding), so concurrent claims each get their own.
    ///
    /// The pull has a short expiry: a `no_wait` pull made while the lane's last item is being
    /// delivered to another claim would otherwise be held until another item comes, and this
    /// inbox is gone by then (the item would wait out a lease before anyone saw it). With it,
    /// an empty lane answers after the expiry rather than at once.
    func nextReview(tenant: String) async throws -> ReviewDelivery? {
        let subject = "$JS.API.CONSUMER.MSG.NEXT.\(StreamNames.reviews).\(StreamNames.reviewConsumer(tenant: tenant))"
        return try await blockingCall { [self] in
            let inbox = try PullInbox(connection: self)
            try check(
                "pull the next review of \(tenant)",
                natsConnection_PublishRequestString(connection, subject, inbox.subject, Self.reviewPull)
            )
            guard let answer = try inbox.next(timeout: 5000) else {
                throw NATSError("pull the next review of \(tenant)", status: NATS_TIMEOUT)
            }
            defer { natsMsg_Destroy(answer) }
            // A status answer (404 no messages, 408) has no reply subject.
            guard let replySubject = natsMsg_GetReply(answer).map({ String(cString: $0) }), replySubject.hasPrefix("$JS.ACK.")
            else { return nil }
            return ReviewDelivery(itemID: String(decoding: readPayload(answer), as: UTF8.self), reply: replySubject)
        }
    }

    /// Acknowledges a delivery (on a work queue: removes the message).
    func settle(_ reply: String, _ verb: String) async throws {
        try publishCore(reply, payload: Array(verb.utf8))
        try await flush()
    }

    func ackReview(_ reply: String) async throws { try await settle(reply, "+ACK") }

    /// Delivers the message again after `delay` (at once for zero).
    func nakReview(_ reply: String, delay: Duration = .zero) async throws {
        let nanoseconds = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
        try await settle(reply, nanoseconds > 0 ? "-NAK {\"delay\": \(nanoseconds)}" : "-NAK")
    }
}
