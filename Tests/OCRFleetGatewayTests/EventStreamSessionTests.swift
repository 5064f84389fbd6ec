import Logging
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import Testing

@testable import OCRFleetGateway

/// An open event stream as its reader sees it, with time moved by hand: keep-alive comments
/// while nothing happens, and the end of a finished job's replay once it falls quiet.
@Suite struct EventStreamSessionTests {
    @Test(.timeLimit(.minutes(1))) func aWaitingStreamSendsAKeepAliveEachInterval() async throws {
        try await Self.withSession(jobID: "waiting", replayIdle: nil) { session, clock in
            var bytes = session.bytes.makeAsyncIterator()
            for _ in 0..<2 {
                await clock.sleepers(atLeast: 1)
                clock.advance(by: .seconds(15))
                #expect(await bytes.next().map { String(decoding: $0, as: UTF8.self) } == ": keep-alive\n\n")
            }
        }
    }

    @Test(.timeLimit(.minutes(1))) func aFinishedJobsReplayEndsOnceQuiet() async throws {
        try await Self.withSession(jobID: "finished", replayIdle: .seconds(2)) { session, clock in
            var bytes = session.bytes.makeAsyncIterator()
            // The keep-alive ticker and the quiet watch.
            await clock.sleepers(atLeast: 2)
            clock.advance(by: .seconds(2))
            #expect(await bytes.next() == nil)
        }
    }

    static func withSession(
        jobID: String,
        replayIdle: Duration?,
        _ body: (EventStreamSession, ManualClock) async throws -> Void
    ) async throws {
        try await withNATSServer { server in
            let nats = try await NATSConnection.connect(
                .init(urls: [server.url], name: "event-stream-test"),
                logger: Logger(label: "event-stream-test")
            )
            defer { nats.close() }
            try await FleetTopology().ensureStreams(on: nats)
            let subscription = try await CoreSubscription(
                replaying: StreamNames.events,
                subject: Subjects.events(jobID: jobID),
                connection: nats
            )
            let slots = EventStreamSlots(limit: 1)
            let clock = ManualClock()
            let session = EventStreamSession(
                subscription: subscription,
                jobID: jobID,
                replayIdle: replayIdle,
                keepAlive: .seconds(15),
                clock: FleetClock(clock),
                slot: try #require(slots.take("alpha"))
            )
            #expect(slots.take("alpha") == nil, "an open stream holds its tenant's slot")
            try await body(session, clock)
        }
    }
}
