import Foundation
import Logging
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import Synchronization
import Testing

@Suite(.serialized) struct BusTests {
    static let logger = Logger(label: "bus-test")

    static func connect(_ server: NATSServerProcess) async throws -> NATSConnection {
        try await NATSConnection.connect(.init(urls: [server.url], name: "bus-test"), logger: logger)
    }

    @Test func topologyIsIdempotentAcrossProcesses() async throws {
        try await withNATSServer { server in
            let first = try await Self.connect(server)
            let second = try await Self.connect(server)
            try await FleetTopology().ensureAll(on: first)
            try await FleetTopology().ensureAll(on: second)
            // Changed settings are applied, not refused.
            try await FleetTopology(maxDeliver: 3, ackWait: .seconds(30)).ensureAll(on: first)
            _ = try await PullConsumer(connection: second)
            _ = try await JobStateStore(connection: second)
        }
    }

    /// A job id is claimed by one submission; a claim left by a submission that died can be
    /// taken over by exactly one other.
    @Test func aJobIdIsClaimedOnceAndAnAbandonedClaimTakenOverOnce() async throws {
        try await withNATSServer { server in
            let nats = try await Self.connect(server)
            try await FleetTopology().ensureAll(on: nats)
            let states = try await JobStateStore(connection: nats)
            let then = Date(timeIntervalSince1970: 1_700_000_000)
            guard case .claimed = try await states.claim("alpha=x", digest: "d1", now: then) else {
                Issue.record("the first claim did not take")
                return
            }
            guard case .held(let held) = try await states.claim("alpha=x", digest: "d2") else {
                Issue.record("a second claim took a claimed id")
                return
            }
            #expect(held.digest == "d1" && held.claimedAt == then)
            #expect(try await states.takeOver("alpha=x", from: held, digest: "d2"))
            #expect(try await !states.takeOver("alpha=x", from: held, digest: "d3"), "the claim moved on already")
            guard case .held(let now) = try await states.claim("alpha=x", digest: "d4") else { return }
            #expect(now.digest == "d2")
            // Released, the id can be claimed again.
            try await states.release("alpha=x", includingState: true)
            guard case .claimed = try await states.claim("alpha=x", digest: "d5") else {
                Issue.record("a released id could not be claimed")
                return
            }
        }
    }

    @Test func duplicateMessageIDsAreStoredOnce() async throws {
        try await withNATSServer { server in
            let nats = try await Self.connect(server)
            try await FleetTopology().ensureAll(on: nats)
            let first = try await nats.publish(ConsumerBinding.workers.subject, payload: Array("a".utf8), messageID: "same-id")
            let again = try await nats.publish(ConsumerBinding.workers.subject, payload: Array("a".utf8), messageID: "same-id")
            #expect(first == again)
            let consumer = try await PullConsumer(connection: nats)
            let messages = try await consumer.fetch(max: 10, wait: .seconds(2))
            #expect(messages.count == 1)
            try await messages.first?.ack()
        }
    }

    @Test func nakRedeliversWithTheAttemptCountAndTermStopsIt() async throws {
        try await withNATSServer { server in
            let nats = try await Self.connect(server)
            try await FleetTopology().ensureAll(on: nats)
            let consumer = try await PullConsumer(connection: nats)
            try await nats.publish(
                ConsumerBinding.workers.subject,
                payload: Array("job".utf8),
                headers: ["X-Test": "yes"],
                messageID: "m-1"
            )

            let first = try #require(try await consumer.fetch(max: 1, wait: .seconds(2)).first)
            #expect(first.payload == Array("job".utf8))
            #expect(first.headers["X-Test"] == "yes")
            #expect(first.delivery.numDelivered == 1)
            try await first.inProgress()
            // The delay is a lower bound on the redelivery, whatever the machine's speed.
            let nakked = ContinuousClock.now
            try await first.nak(delay: .milliseconds(300))

            let second = try #require(try await Self.fetchOne(consumer, within: .seconds(5)))
            #expect(ContinuousClock.now - nakked >= .milliseconds(300))
            #expect(second.delivery.numDelivered == 2)
            #expect(second.delivery.streamSequence == first.delivery.streamSequence)
            try await second.term()
            #expect(try await consumer.fetch(max: 1, wait: .seconds(1)).isEmpty)
        }
    }

    /// A job's heartbeat never waits for its ack: with the server frozen the ack waits for
    /// an answer, and an in-progress ack meanwhile returns at once.
    @Test func inProgressIsNotHeldUpByAnAckWaitingForTheServer() async throws {
        try await withNATSServer { server in
            let nats = try await Self.connect(server)
            try await FleetTopology().ensureAll(on: nats)
            let consumer = try await PullConsumer(connection: nats)
            try await nats.publish(ConsumerBinding.workers.subject, payload: Array("job".utf8), messageID: "slow-ack")
            let message = try #require(try await Self.fetchOne(consumer, within: .seconds(5)))

            server.pause()
            defer { server.resume() }
            let ack = Task { try await message.ack() }
            // Most likely the ack is out by now; the in-progress ack must return at once either way.
            try await Task.sleep(for: .milliseconds(200))
            let began = ContinuousClock.now
            try await message.inProgress()
            let took = ContinuousClock.now - began
            server.resume()
            try await ack.value
            #expect(took < .seconds(2), "in-progress took \(took)")
            // Settled once, by the ack: nothing is left to redeliver, and a late nak is not sent.
            try await message.nak()
            #expect(try await consumer.fetch(max: 1, wait: .seconds(1)).isEmpty)
        }
    }

    @Test func pulledJobsNeverExceedTheBatchTheCallerHasRoomFor() async throws {
        try await withNATSServer { server in
            let nats = try await Self.connect(server)
            try await FleetTopology().ensureAll(on: nats)
            for index in 0..<5 {
                try await nats.publish(ConsumerBinding.workers.subject, payload: Array("\(index)".utf8), messageID: "seq-\(index)")
            }
            let consumer = try await PullConsumer(connection: nats)
            let asked = Counter()
            var received: [String] = []
            for await message in consumer.messages(batchSize: {
                asked.add()
                return 2
            }) {
                received.append(String(decoding: message.payload, as: UTF8.self))
                try await message.ack()
                if received.count == 5 { break }
            }
            #expect(received == ["0", "1", "2", "3", "4"])
            #expect(asked.value == 3)
            // The stop check ends the sequence between fetches.
            var count = 0
            for await _ in consumer.messages(wait: .milliseconds(100), batchSize: { 1 }, shouldStop: { true }) { count += 1 }
            #expect(count == 0)
        }
    }

    @Test func keyValueStoresJobState() async throws {
        try await withNATSServer { server in
            let nats = try await Self.connect(server)
            try await FleetTopology().ensureStreams(on: nats)
            let states = try await JobStateStore(connection: nats)
            #expect(try await states.get("missing") == nil)
            var state = JobState(jobID: "job-kv", state: .running, attempts: 1)
            state.pagesTotal = 4
            try await states.put(state)
            #expect(try await states.get("job-kv")?.pagesTotal == 4)
            state.state = .completed
            try await states.put(state)
            #expect(try await states.get("job-kv")?.state == .completed)
        }
    }

    /// Compare-and-set of a job's state: a stale revision loses, unless what it writes is
    /// already there (a write whose answer was lost).
    @Test func jobStatesAreReplacedOnlyFromTheRevisionRead() async throws {
        try await withNATSServer { server in
            let nats = try await Self.connect(server)
            try await FleetTopology().ensureStreams(on: nats)
            let states = try await JobStateStore(connection: nats)
            let running = JobState(jobID: "job-cas", state: .running, attempts: 1)
            guard case .stored(let first) = try await states.replace(running, revision: nil) else {
                Issue.record("a new job's state is stored")
                return
            }
            #expect(try await states.replace(running, revision: nil) == .stored(revision: first), "the same bytes again")
            var other = running
            other.state = .retrying
            #expect(try await states.replace(other, revision: nil) == .superseded, "it has a state already")
            var completed = running
            completed.state = .completed
            guard case .stored(let second) = try await states.replace(completed, revision: first) else {
                Issue.record("stored from the revision read")
                return
            }
            #expect(second > first)
            #expect(try await states.replace(other, revision: first) == .superseded, "a stale revision loses")
            #expect(try await states.replace(completed, revision: first) == .stored(revision: second), "a lost answer")
            let record = try await states.read("job-cas")
            #expect(record?.state.state == .completed && record?.revision == second)
            #expect(record.map { abs($0.storedAt.timeIntervalSinceNow) < 60 } == true, "the server's clock, near ours")
        }
    }

    @Test func survivesAServerRestart() async throws {
        try await withNATSServer { server in
            let nats = try await Self.connect(server)
            try await FleetTopology().ensureAll(on: nats)
            let consumer = try await PullConsumer(connection: nats)
            try await nats.publish(ConsumerBinding.workers.subject, payload: Array("before".utf8), messageID: "before")

            try await server.restart()
            // Publishing waits through the reconnect; the file store kept the first job.
            try await nats.publish(ConsumerBinding.workers.subject, payload: Array("after".utf8), messageID: "after")
            // The reconnected callback runs on a library thread, possibly after the publish.
            let counted = ContinuousClock.now + .seconds(5)
            while nats.reconnects == 0, ContinuousClock.now < counted { try await Task.sleep(for: .milliseconds(20)) }
            #expect(nats.reconnects >= 1)
            var payloads: [String] = []
            let deadline = ContinuousClock.now + .seconds(15)
            while payloads.count < 2, ContinuousClock.now < deadline {
                for message in (try? await consumer.fetch(max: 2, wait: .seconds(1))) ?? [] {
                    payloads.append(String(decoding: message.payload, as: UTF8.self))
                    try await message.ack()
                }
            }
            #expect(payloads == ["before", "after"])
        }
    }

    @Test func coreSubscriptionDeliversMessagesInOrder() async throws {
        try await withNATSServer { server in
            let nats = try await Self.connect(server)
            let subscription = try CoreSubscription(connection: nats, subject: "test.>")
            try await nats.flush()
            for index in 0..<100 { try nats.publishCore("test.\(index)", payload: Array("\(index)".utf8)) }
            var received: [String] = []
            subscription.cancel(after: .seconds(30))
            for await message in subscription {
                received.append(String(decoding: message.payload, as: UTF8.self))
                if received.count == 100 { break }
            }
            #expect(received == (0..<100).map(String.init))
            subscription.cancel()
        }
    }

    /// A replay's ordered consumer is made and deleted on the connection's threads; it is
    /// gone soon after the subscription ends.
    @Test func aReplayDeletesItsConsumerWhenCancelled() async throws {
        try await withNATSServer { server in
            let nats = try await Self.connect(server)
            try await FleetTopology().ensureAll(on: nats)
            try await nats.publish("ocr.events.queued.replayed", payload: Array("kept".utf8), messageID: "kept")
            let replay = try await CoreSubscription(
                replaying: StreamNames.events,
                subject: Subjects.events(jobID: "replayed"),
                connection: nats
            )
            replay.cancel(after: .seconds(30))
            var iterator = replay.makeAsyncIterator()
            #expect(await iterator.next()?.payload == Array("kept".utf8))
            #expect(try await server.consumers(of: StreamNames.events).count == 1)

            replay.cancel()
            let deadline = ContinuousClock.now + .seconds(20)
            while try await !server.consumers(of: StreamNames.events).isEmpty, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try await server.consumers(of: StreamNames.events).isEmpty)
        }
    }

    /// Streams that are not ready yet are tried again after waits that double from half a
    /// second, on the clock the caller gives.
    @Test(.timeLimit(.minutes(1))) func untilReadyWaitsLongerAfterEachFailure() async throws {
        struct NotReady: Error {}
        let clock = ManualClock()
        let tries = Counter()
        let setUp = Task {
            try await FleetTopology.untilReady(logger: Self.logger, clock: FleetClock(clock)) {
                tries.add()
                if tries.value < 3 { throw NotReady() }
                return tries.value
            }
        }
        await clock.sleepers(atLeast: 1)
        #expect(tries.value == 1)
        clock.advance(by: .milliseconds(499))
        #expect(clock.sleeperCount == 1 && tries.value == 1, "the first wait is half a second")
        clock.advance(by: .milliseconds(1))
        await clock.sleepers(atLeast: 1)
        clock.advance(by: .milliseconds(999))
        #expect(clock.sleeperCount == 1 && tries.value == 2, "the second wait is a second")
        clock.advance(by: .milliseconds(1))
        #expect(try await setUp.value == 3)
    }

    /// A replay of a history that has nothing more to say ends once it has been quiet for the
    /// given time, counted from its last message.
    @Test(.timeLimit(.minutes(1))) func aQuietReplayEndsWhenItsQuietTimePasses() async throws {
        try await withNATSServer { server in
            let nats = try await Self.connect(server)
            try await FleetTopology().ensureAll(on: nats)
            try await nats.publish("ocr.events.queued.quiet", payload: Array("kept".utf8), messageID: "quiet")
            let clock = ManualClock()
            let replay = try await CoreSubscription(
                replaying: StreamNames.events,
                subject: Subjects.events(jobID: "quiet"),
                connection: nats
            )
            let watch = replay.endWhenQuiet(for: .seconds(2), clock: FleetClock(clock))
            defer { watch.stop() }
            var iterator = replay.makeAsyncIterator()
            #expect(await iterator.next()?.payload == Array("kept".utf8))
            await clock.sleepers(atLeast: 1)
            clock.advance(by: .seconds(1))
            watch.heard()
            clock.advance(by: .seconds(1))
            // Heard a second ago: the watch sleeps on, until two seconds after that.
            await clock.sleepers(atLeast: 1)
            clock.advance(by: .seconds(1))
            #expect(await iterator.next() == nil)
        }
    }

    static func fetchOne(_ consumer: PullConsumer, within limit: Duration) async throws -> JetStreamMessage? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let message = try await consumer.fetch(max: 1, wait: .milliseconds(500)).first { return message }
        }
        return nil
    }
}

final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
