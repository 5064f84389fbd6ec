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
    /// Pulls the next message of a tenant's review consumer without waiting (`no_wait`):
    /// nil when none is ready. A core request, so concurrent claims need no shared
    /// subscription and each gets its own message.
    func nextReview(tenant: String) async throws -> ReviewDelivery? {
        let subject = "$JS.API.CONSUMER.MSG.NEXT.\(StreamNames.reviews).\(StreamNames.reviewConsumer(tenant: tenant))"
        let request = Array(#"{"batch":1,"no_wait":true}"#.utf8)
        return try await blockingCall { [self] in
            var reply: OpaquePointer?
            let status = request.withUnsafeBytes { raw in
                natsConnection_Request(&reply, connection, subject, raw.baseAddress, Int32(raw.count), 5000)
            }
            try check("pull the next review of \(tenant)", status)
            defer { natsMsg_Destroy(reply) }
            // A status answer (404 no messages, 408) has no reply subject.
            guard let replySubject = natsMsg_GetReply(reply).map({ String(cString: $0) }), replySubject.hasPrefix("$JS.ACK.")
            else { return nil }
            return ReviewDelivery(itemID: String(decoding: readPayload(reply!), as: UTF8.self), reply: replySubject)
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
