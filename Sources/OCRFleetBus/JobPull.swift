import CNats
import OCRFleetModel

extension NATSConnection {
    /// The next message of a durable pull consumer, pulled by a plain request as JetStream's
    /// pull API answers one. With `wait` nil it does not wait (`no_wait`): when the consumer
    /// has nothing to deliver the server says so at once. libnats's fetch cannot ask that: it
    /// always sends an expiry, with which the server holds an empty pull until it expires.
    /// With `wait` the server holds the pull up to then. A status answer (none, expired, too
    /// many waiting) is nil.
    ///
    /// A `no_wait` pull of a consumer that has messages but is at its `MaxAckPending` is held
    /// by the server, without an expiry, until one of its deliveries is settled. The client
    /// waits 30 s for that; a message delivered after it gave up would wait out its ack wait.
    func pullOne(stream: String, consumer: String, wait: Duration?) async throws -> JetStreamMessage? {
        let subject = "$JS.API.CONSUMER.MSG.NEXT.\(stream).\(consumer)"
        let request =
            wait.map { #"{"batch":1,"expires":\#($0.milliseconds * 1_000_000)}"# } ?? #"{"batch":1,"no_wait":true}"#
        // With an expiry the server's "expired" answer comes before the client gives up.
        let timeout = wait.map { Self.jetStreamWait + $0.milliseconds } ?? 30_000
        return try await blockingCall { [self] in
            var reply: OpaquePointer?
            let status = natsConnection_RequestString(&reply, connection, subject, request, timeout)
            if status == NATS_TIMEOUT { return nil }
            try check("pull from \(consumer)", status)
            guard let reply else { return nil }
            guard let replySubject = natsMsg_GetReply(reply), String(cString: replySubject).hasPrefix("$JS.ACK.") else {
                natsMsg_Destroy(reply)
                return nil
            }
            return try JetStreamMessage(taking: reply, connection: self)
        }
    }
}
