import OCRFleetBus
import OCRFleetModel

/// One open `GET /v1/jobs/{id}/events` stream: the job's events and keep-alive comments met in
/// one outbox, written in order by whoever reads `bytes`. When the reader is done or gone
/// (the client left), the session goes with it and stops everything it started: the
/// subscription, the replay's watchdog, its tasks, and the tenant's stream slot.
final class EventStreamSession: Sendable {
    private let outbox: AsyncStream<String>
    private let subscription: CoreSubscription
    private let watchdog: QuietWatch?
    private let forward: Task<Void, Never>
    private let ticker: Task<Void, any Error>
    private let slot: EventStreamSlots.Lease

    init(
        subscription: CoreSubscription,
        jobID: String,
        replayIdle: Duration?,
        keepAlive: Duration,
        clock: FleetClock,
        slot: EventStreamSlots.Lease
    ) {
        let (outbox, post) = AsyncStream.makeStream(of: String.self)
        let watchdog = replayIdle.map { subscription.endWhenQuiet(for: $0, clock: clock) }
        self.outbox = outbox
        self.subscription = subscription
        self.watchdog = watchdog
        self.slot = slot
        forward = Task {
            for await message in subscription {
                watchdog?.heard()
                guard let event = try? LifecycleEvent.decode(message.payload) else { continue }
                post.yield(Gateway.serverSentEvent(event, as: jobID, payload: message.payload))
                if event.data.body.endsJob { break }
            }
            post.finish()
        }
        // A comment line now and then keeps proxies and load balancers from closing a stream
        // that waits long for its next event.
        ticker = Task {
            while !Task.isCancelled {
                try await clock.sleep(for: keepAlive)
                post.yield(": keep-alive\n\n")
            }
        }
    }

    deinit {
        forward.cancel()
        ticker.cancel()
        watchdog?.stop()
        subscription.cancel()
    }

    /// The stream's bytes; holding them holds the session.
    var bytes: Bytes { Bytes(session: self) }

    struct Bytes: AsyncSequence, Sendable {
        let session: EventStreamSession

        struct AsyncIterator: AsyncIteratorProtocol {
            let session: EventStreamSession
            var outbox: AsyncStream<String>.AsyncIterator

            mutating func next() async -> ArraySlice<UInt8>? {
                await outbox.next().map { ArraySlice($0.utf8) }
            }
        }

        func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(session: session, outbox: session.outbox.makeAsyncIterator())
        }
    }
}
