import Foundation
import OCRFleetModel
import OCRFleetTesting
import Synchronization
import Testing

@testable import OCRFleetBus

/// Lanes and GPU routes (docs/lanes.md): what a worker pulls first, what it never pulls, and
/// where a replay or a fleet from before lanes puts its jobs.
@Suite(.serialized) struct LaneTests {
    @Test func batchGoesFirstOnceInEveryWeightPlusOneRounds() {
        var schedule = LaneSchedule(interactiveWeight: 4)
        let round: [JobPriority] = [.interactive, .interactive, .interactive, .interactive, .batch]
        #expect((0..<10).map { _ in schedule.next().first! } == round + round)
        // Less than 1 is taken as 1: the lanes turn about, interactive never starved.
        var least = LaneSchedule(interactiveWeight: 0)
        #expect((0..<4).map { _ in least.next().first! } == [.interactive, .batch, .interactive, .batch])
        var alternate = LaneSchedule(interactiveWeight: 1)
        #expect((0..<4).map { _ in alternate.next().first! } == [.interactive, .batch, .interactive, .batch])
    }

    @Test func routesFollowTheJobsLaneAndEngine() {
        #expect(JobRoute(JobOptions()).subject == "ocr.jobs.interactive")
        #expect(JobRoute(JobOptions()).consumer == StreamNames.workerConsumer)
        #expect(JobRoute(JobOptions(engine: .deepseek, priority: .batch)).subject == "ocr.jobs.batch.gpu")
        #expect(JobRoute(JobOptions(engine: .auto, priority: .batch)).consumer == "ocr-batch")
        #expect(Set(JobRoute.all.map(\.consumer)).count == 4)
    }

    @Test func aReplayWaitsInBatchUnlessItsJobOrItsCallerNamesALane() throws {
        func route(_ options: String?, lane: JobPriority? = nil) throws -> (JobRoute, JSONValue?) {
            let text = options.map { #"{"id": "e", "data": {"job_id": "j", "options": \#($0)}}"# } ?? #"{"id": "e", "data": {"job_id": "j"}}"#
            guard case .object(var event) = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else { throw CancellationError() }
            let route = DeadLetterQueue.route(replaying: &event, lane: lane)
            guard case .object(let job)? = event["data"], case .object(let options)? = job["options"] else { return (route, nil) }
            return (route, options["priority"])
        }
        #expect(try route(nil) == (JobRoute(lane: .batch, needsGPU: false), .string("batch")))
        #expect(try route(#"{"engine": "deepseek"}"#) == (JobRoute(lane: .batch, needsGPU: true), .string("batch")))
        #expect(try route(#"{"priority": "interactive"}"#) == (JobRoute(lane: .interactive, needsGPU: false), .string("interactive")))
        #expect(try route(#"{"priority": "interactive"}"#, lane: .batch) == (JobRoute(lane: .batch, needsGPU: false), .string("batch")))
        // A lane the job named wrongly stays for the worker to refuse, as before.
        #expect(try route(#"{"priority": "urgent"}"#) == (JobRoute(lane: .batch, needsGPU: false), .string("urgent")))
        #expect(try route(#""not options""#).0 == JobRoute(lane: .batch, needsGPU: false))
    }

    @Test func interactiveJobsArePulledFirstAndBatchJobsAreNotStarved() async throws {
        try await withNATSServer { server in
            let nats = try await BusTests.connect(server)
            try await FleetTopology().ensureAll(on: nats)
            // The backfill was there first.
            for index in 0..<6 {
                try await nats.publish("ocr.jobs.batch", payload: Array("b\(index)".utf8), messageID: "b\(index)")
            }
            for index in 0..<8 {
                try await nats.publish("ocr.jobs.interactive", payload: Array("i\(index)".utf8), messageID: "i\(index)")
            }
            try await nats.publish(Subjects.jobs, payload: Array("u0".utf8), messageID: "u0")
            let lanes = try JobLanes(connection: nats, servesGPU: false)
            var received: [String] = []
            for await message in lanes.messages(interactiveWeight: 4, batchSize: { 1 }) {
                received.append(String(decoding: message.payload, as: UTF8.self))
                try await message.ack()
                if received.count == 15 { break }
            }
            // One pull a round: four interactive, then one batch; within the interactive lane
            // its consumers first in turn (the unrouted job in the second round); the rest of
            // the batch once the interactive lane is empty.
            #expect(received == ["i0", "u0", "i1", "i2", "b0", "i3", "i4", "i5", "i6", "b1", "i7", "b2", "b3", "b4", "b5"])
        }
    }

    @Test func gpuRoutesArePulledOnlyByWorkersThatCanRunThemAndOnlyWhileTheyCan() async throws {
        try await withNATSServer { server in
            let nats = try await BusTests.connect(server)
            try await FleetTopology().ensureAll(on: nats)
            try await nats.publish("ocr.jobs.interactive.gpu", payload: Array("gpu".utf8), messageID: "g")
            try await nats.publish("ocr.jobs.batch.gpu", payload: Array("batch-gpu".utf8), messageID: "bg")
            try await nats.publish("ocr.jobs.batch", payload: Array("cpu".utf8), messageID: "c")

            // A CPU-only worker takes the CPU job and leaves the GPU ones, round after round.
            let cpu = try JobLanes(connection: nats, servesGPU: false)
            let rounds = Counter()
            var taken: [String] = []
            for await message in cpu.messages(
                interactiveWeight: 4,
                wait: .milliseconds(50),
                batchSize: {
                    rounds.add()
                    return 4
                },
                shouldStop: { rounds.value > 5 }
            ) {
                taken.append(String(decoding: message.payload, as: UTF8.self))
                try await message.ack()
            }
            #expect(taken == ["cpu"])

            // A GPU worker takes them once its server is healthy.
            let gpu = try JobLanes(connection: nats, servesGPU: true)
            let healthy = Atomic(false)
            let gpuRounds = Counter()
            var gpuTaken: [String] = []
            for await message in gpu.messages(
                interactiveWeight: 4,
                wait: .milliseconds(50),
                gpuReady: { healthy.load(ordering: .relaxed) },
                batchSize: {
                    gpuRounds.add()
                    // Unhealthy for the first rounds: nothing is pulled.
                    if gpuRounds.value == 4 { healthy.store(true, ordering: .relaxed) }
                    return 4
                }
            ) {
                #expect(gpuRounds.value >= 4)
                gpuTaken.append(String(decoding: message.payload, as: UTF8.self))
                try await message.ack()
                if gpuTaken.count == 2 { break }
            }
            #expect(gpuTaken == ["gpu", "batch-gpu"])
        }
    }

    /// JetStream delivers a pulled message under its own subject. libnats's shared request
    /// inbox matches that to a request only while it is the one outstanding; beside another
    /// (an ack, a publish waiting for the stream) the message was dropped, and its job waited
    /// out its ack wait.
    @Test func pullsGetTheirJobsWhileOtherRequestsAreOutstanding() async throws {
        try await withNATSServer { server in
            let nats = try await BusTests.connect(server)
            try await FleetTopology().ensureAll(on: nats)
            for index in 0..<3 {
                try await nats.publish("ocr.jobs.batch", payload: Array("b\(index)".utf8), messageID: "b\(index)")
            }
            // A request on the same connection that stays unanswered: a publish to a subject a
            // silent listener holds, waiting for a stream's acknowledgement that never comes.
            let other = try await BusTests.connect(server)
            let silent = try CoreSubscription(connection: other, subject: "test.silent")
            defer { silent.cancel() }
            try await other.flush()
            async let stalled: UInt64? = try? await nats.publish("test.silent", payload: [1])
            for await _ in silent { break }  // the request is out, and stays unanswered
            let lanes = try JobLanes(connection: nats, servesGPU: false)
            var received: [String] = []
            for await message in lanes.messages(interactiveWeight: 4, batchSize: { 1 }) {
                received.append(String(decoding: message.payload, as: UTF8.self))
                try await message.ack()
                if received.count == 3 { break }
            }
            #expect(received == ["b0", "b1", "b2"])
            // Every delivery reached the puller: none went astray to wait out its ack wait.
            let batch = try await server.consumers(of: StreamNames.jobs)["ocr-batch"]
            #expect(batch?.delivered == 3 && batch?.ackPending == 0)
            _ = await stalled
        }
    }

    @Test func aJobOnASubjectNoRouteHasIsRefusedWhenPublished() async throws {
        try await withNATSServer { server in
            let nats = try await BusTests.connect(server)
            try await FleetTopology().ensureAll(on: nats)
            // Stored there, no consumer would ever take it: the publisher hears at once instead.
            for subject in ["ocr.jobs.urgent", "ocr.jobs.Interactive", "ocr.jobs.batch.cpu"] {
                await #expect(throws: NATSError.self) {
                    try await nats.publish(subject, payload: Array("job".utf8), messageID: subject)
                }
            }
            #expect(try await StoredMessages(connection: nats, stream: StreamNames.jobs).bounds().count == 0)
        }
    }

    @Test func aWorkerConsumerFromBeforeLanesTakesItsFilter() async throws {
        try await withNATSServer { server in
            let nats = try await BusTests.connect(server)
            let topology = FleetTopology()
            try await topology.ensureStreams(on: nats)
            // ocr-workers as fleets made it before lanes: no filter, every job subject.
            try await nats.blockingCall {
                try FleetTopology.ensureConsumer(nats, StreamNames.workerConsumer, on: StreamNames.jobs) { _ in }
            }
            try await nats.publish("ocr.jobs.interactive", payload: Array("queued before".utf8), messageID: "before")
            try await topology.ensureAll(on: nats)
            let names = Set(try await server.consumers(of: StreamNames.jobs).keys)
            #expect(names == Set(JobRoute.all.map(\.consumer) + [StreamNames.unroutedConsumer]))
            let consumer = try await PullConsumer(connection: nats, binding: .workers)
            let message = try #require(try await consumer.fetch(max: 1, wait: .seconds(5)).first)
            #expect(message.payload == Array("queued before".utf8))
            try await message.ack()
            // And again: nothing to change.
            try await topology.ensureAll(on: nats)
        }
    }
}
