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

    @Test func tenantsHaveRoutesAndConsumersOfTheirOwn() {
        let batchGPU = JobRoute(lane: .batch, needsGPU: true)
        #expect(batchGPU.subject(tenant: "acme") == "ocr.jobs.tenant.acme.batch.gpu")
        #expect(batchGPU.consumer(tenant: "acme") == "ocr-t-acme-batch-gpu")
        #expect(batchGPU.tenantSubjects == "ocr.jobs.tenant.*.batch.gpu")
        #expect(JobRoute(JobOptions()).subject(tenant: nil) == "ocr.jobs.interactive")
        #expect(JobRoute.tenantRoute(of: "ocr.jobs.tenant.acme.batch.gpu")! == (batchGPU, "acme"))
        #expect(JobRoute.tenantRoute(of: "ocr.jobs.tenant.a-b.interactive")! == (JobRoute(lane: .interactive, needsGPU: false), "a-b"))
        for subject in ["ocr.jobs.batch", "ocr.jobs.tenant.acme.urgent", "ocr.jobs.tenant.acme.batch.cpu", "ocr.jobs.tenant..batch"] {
            #expect(JobRoute.tenantRoute(of: subject) == nil, "\(subject)")
        }
        // A token no tenant is named by (a publisher on the bus may use any) still gets a
        // consumer of its own, under a name no tenant's can spell.
        let odd = JobRoute(lane: .interactive, needsGPU: false).consumer(tenant: "a/b")
        #expect(odd.hasPrefix("ocr-t-=") && odd.hasSuffix("-interactive") && odd.count == "ocr-t-=".count + 16 + "-interactive".count)
        // The names of every tenant and route differ.
        let names = ["a", "a-batch", "a-interactive", "b"].flatMap { tenant in JobRoute.all.map { $0.consumer(tenant: tenant) } }
        #expect(Set(names).count == names.count)
    }

    @Test func tenantsTakeTurnsWithinALane() async throws {
        try await withNATSServer { server in
            let nats = try await BusTests.connect(server)
            try await FleetTopology().ensureAll(on: nats)
            let interactive = JobRoute(lane: .interactive, needsGPU: false)
            // One tenant's flood was there first.
            for index in 0..<20 {
                try await nats.publish(interactive.subject(tenant: "heavy"), payload: Array("h\(index)".utf8), messageID: "h\(index)")
            }
            for index in 0..<3 {
                try await nats.publish(interactive.subject(tenant: "light"), payload: Array("l\(index)".utf8), messageID: "l\(index)")
            }
            try await nats.publish(interactive.subject, payload: Array("s0".utf8), messageID: "s0")
            // A GPU job a CPU worker leaves alone, tenant's or not.
            try await nats.publish(JobRoute(lane: .interactive, needsGPU: true).subject(tenant: "light"), payload: [1], messageID: "g")
            let lanes = try JobLanes(connection: nats, servesGPU: false)
            var received: [String] = []
            for await message in lanes.messages(interactiveWeight: 4, batchSize: { 1 }) {
                received.append(String(decoding: message.payload, as: UTF8.self))
                try await message.ack()
                if received.count == 10 { break }
            }
            // One job a round, each consumer in turn: the shared route, then the tenants by name.
            #expect(received == ["s0", "h0", "l0", "h1", "l1", "h2", "l2", "h3", "h4", "h5"])
            let consumers = try await server.consumers(of: StreamNames.jobs)
            #expect(consumers["ocr-t-heavy-interactive"] != nil && consumers["ocr-t-light-interactive"] != nil)
            #expect(consumers["ocr-t-light-interactive-gpu"] == nil)
        }
    }

    @Test func aTenantAtItsRunningCapWaitsWhileTheOthersRun() async throws {
        try await withNATSServer { server in
            let nats = try await BusTests.connect(server)
            try await FleetTopology().ensureAll(on: nats)
            let batch = JobRoute(lane: .batch, needsGPU: false)
            for index in 0..<6 {
                try await nats.publish(batch.subject(tenant: "heavy"), payload: Array("h\(index)".utf8), messageID: "h\(index)")
            }
            for index in 0..<3 {
                try await nats.publish(batch.subject(tenant: "light"), payload: Array("l\(index)".utf8), messageID: "l\(index)")
            }
            let lanes = try JobLanes(connection: nats, servesGPU: false, fairShare: .init(maxRunning: 2))
            // Room for everything, nothing settled: rounds go on until nothing more comes.
            let rounds = Counter()
            var running: [JetStreamMessage] = []
            for await message in lanes.messages(
                interactiveWeight: 4,
                wait: .milliseconds(50),
                batchSize: {
                    rounds.add()
                    return 16
                },
                shouldStop: { rounds.value > 6 }
            ) {
                running.append(message)
            }
            let names = running.map { String(decoding: $0.payload, as: UTF8.self) }
            // Two of the heavy tenant's at once, and the light one's beside them.
            #expect(names.sorted() == ["h0", "h1", "l0", "l1"], "\(names)")
            // One settled: the heavy tenant's next one comes.
            try await running.first { $0.payload == Array("h0".utf8) }!.ack()
            var next: String?
            for await message in lanes.messages(interactiveWeight: 4, batchSize: { 1 }) {
                next = String(decoding: message.payload, as: UTF8.self)
                try await message.ack()
                break
            }
            #expect(next == "h2")
        }
    }

    /// A tenant's first job waits on a consumer no worker knows yet: an idle worker hears of
    /// it as it is published, not when its idle wait (here an hour) runs out.
    @Test(.timeLimit(.minutes(1))) func anIdleWorkerTakesANewTenantsJobAsItIsPublished() async throws {
        try await withNATSServer { server in
            let nats = try await BusTests.connect(server)
            try await FleetTopology().ensureAll(on: nats)
            let subject = JobRoute(lane: .interactive, needsGPU: false).subject(tenant: "newcomer")
            let gpuSubject = JobRoute(lane: .interactive, needsGPU: true).subject(tenant: "newcomer")
            // The stream's own.
            let stored = try await server.subscriptions(reaching: subject)
            let lanes = try JobLanes(connection: nats, servesGPU: false)
            let taken = Task {
                for await message in lanes.messages(interactiveWeight: 4, wait: .seconds(3600), batchSize: { 1 }) {
                    try? await message.ack()
                    return String(decoding: message.payload, as: UTF8.self)
                }
                return ""
            }
            // Found nothing, the worker listens; a GPU job, which it does not take, does not wake it.
            while try await server.subscriptions(reaching: subject) == stored { try await Task.sleep(for: .milliseconds(10)) }
            try await nats.publish(gpuSubject, payload: Array("g0".utf8), messageID: "g0")
            try await nats.publish(subject, payload: Array("n0".utf8), messageID: "n0")
            #expect(await taken.value == "n0")
        }
    }

    /// Deliveries a worker handed back (a retry's delay, a restart) still count against the
    /// tenant's cap until redelivered, and the server redelivers only to a pull that waits: a
    /// tenant at its cap is still pulled, or its jobs would never run again.
    @Test(.timeLimit(.minutes(1))) func aTenantWhoseRunningJobsWereHandedBackGetsThemAgain() async throws {
        try await withNATSServer { server in
            let nats = try await BusTests.connect(server)
            try await FleetTopology().ensureAll(on: nats)
            let batch = JobRoute(lane: .batch, needsGPU: false)
            for index in 0..<3 {
                try await nats.publish(batch.subject(tenant: "acme"), payload: Array("a\(index)".utf8), messageID: "a\(index)")
            }
            let lanes = try JobLanes(connection: nats, servesGPU: false, fairShare: .init(maxRunning: 2))
            let rounds = Counter()
            var running: [JetStreamMessage] = []
            var settled: [String] = []
            for await message in lanes.messages(
                interactiveWeight: 4,
                wait: .milliseconds(50),
                batchSize: {
                    rounds.add()
                    return rounds.value == 1 ? 2 : 1
                }
            ) {
                if running.count < 2 {
                    // Two running, the tenant at its cap; then both handed back for a retry.
                    running.append(message)
                    if running.count == 2 { for held in running { try await held.nak() } }
                    continue
                }
                settled.append(String(decoding: message.payload, as: UTF8.self))
                try await message.ack()
                if Set(settled) == ["a0", "a1", "a2"] { break }
            }
            #expect(running.map { String(decoding: $0.payload, as: UTF8.self) } == ["a0", "a1"])
        }
    }
}
