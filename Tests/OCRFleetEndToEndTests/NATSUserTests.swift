import Foundation
import Logging
import OCRFleetAPI
import OCRFleetBus
import OCRFleetClient
import OCRFleetContent
import OCRFleetModel
import OCRFleetTesting
import Testing

/// The fleet's NATS users (`deploy/nats-users.conf`, the file the local fleet and Kubernetes
/// use): each component on its own user does its work, and what its permissions leave out
/// the server refuses.
@Suite(.serialized) struct NATSUserTests {
    /// `ocrctl` as the operator runs it: its user, password and inbox prefix from the environment.
    static func ocrctl(_ arguments: [String], _ fleet: TestFleet) async throws -> (status: Int32, output: String) {
        let users = try #require(fleet.server.users)
        let output = Pipe()
        let process = try BuiltExecutable.run(
            "ocrctl",
            arguments,
            environment: users.environment(.ocrctl),
            stdout: output.fileHandleForWriting,
            stderr: output.fileHandleForWriting
        )
        let text = try await BuiltExecutable.readAll(output, until: process)
        return (process.terminationStatus, text)
    }

    static func connect(_ role: FleetNATSUsers.Role, _ fleet: TestFleet) async throws -> NATSConnection {
        let users = try #require(fleet.server.users)
        var logger = Logger(label: "test \(role)")
        logger.logLevel = .critical
        return try await NATSConnection.connect(users.options(role, url: fleet.server.url, name: "test \(role)"), logger: logger)
    }

    /// Whether the server refused `connection` `action` ("Publish" or "Subscription") on
    /// `subject`, waiting for its answer.
    static func refused(_ action: String, _ subject: String, on connection: NATSConnection) async throws -> Bool {
        let violation = "Permissions Violation for \(action) to \"\(subject)\""
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if connection.permissionViolations.contains(violation) { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// The error `body` throws, nil when it succeeds.
    static func failure(_ body: () async throws -> Void) async -> (any Error)? {
        do {
            try await body()
            return nil
        } catch {
            return error
        }
    }

    /// What the server logged as refused, one line each.
    static func violations(_ fleet: TestFleet) -> [Substring] {
        let log = (try? String(contentsOfFile: fleet.server.storeDirectory + "/server.log", encoding: .utf8)) ?? ""
        return log.split(separator: "\n").filter { $0.contains("Violation") }
    }

    @Test func aJobRunsWithEveryComponentOnItsOwnUser() async throws {
        try await withFleet(workerEnvironment: ["OCR_MAX_DELIVER": "1"], natsUsers: true) { fleet in
            let nats = ["--nats", fleet.server.url]
            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "own-users")
            #expect(try await fleet.waitForTerminalState("own-users").state == .completed)
            let (status, markdown) = try await fleet.request("GET", "/v1/jobs/own-users/result")
            #expect(status == 200 && Fixtures.words(markdown).contains("garden"))
            // The gateway replays the job's events from the stream on its own user.
            let events = try await fleet.request("GET", "/v1/jobs/own-users/events")
            #expect(events.body.contains("event: completed"), "\(events.body)")

            // ocrctl on the operator's user: state and events straight from NATS.
            let state = try await Self.ocrctl(["status", "own-users"] + nats, fleet)
            #expect(state.status == 0 && state.output.hasPrefix("own-users completed"), "\(state.output)")
            let watched = try await Self.ocrctl(["watch", "own-users"] + nats, fleet)
            #expect(watched.status == 0 && watched.output.contains("completed own-users"), "\(watched.output)")
            // And a job submitted straight onto the bus, as upstream services do.
            let (source, result) = try fleet.storedDocument("invoice.png")
            let submitted = try await Self.ocrctl(["submit", source, "--result-url", result, "--wait", "--json"] + nats, fleet)
            #expect(submitted.status == 0 && submitted.output.contains(#""state":"completed""#), "\(submitted.output)")

            // A file that is no document: the worker's user dead-letters it; the operator's
            // lists, replays (the worker dead-letters it again) and purges.
            try await fleet.submit(file: Fixtures.path("not-a-document.txt"), jobID: "own-users-bad")
            #expect(try await fleet.waitForTerminalState("own-users-bad").state == .failed)
            var listed = ""
            for _ in 0..<100 where !listed.contains(" own-users-bad unsupported_format ") {
                listed = try await Self.ocrctl(["dlq", "list"] + nats, fleet).output
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(listed.contains(" own-users-bad unsupported_format "), "\(listed)")
            let failures = try fleet.recordEvents(Subjects.event(.failed, jobID: "own-users-bad"))
            try await fleet.nats.flush()
            let replayed = try await Self.ocrctl(["dlq", "replay", "own-users-bad"] + nats, fleet)
            #expect(replayed.status == 0 && replayed.output.hasPrefix("replayed own-users-bad"), "\(replayed.output)")
            _ = try await failures.events(count: 1)
            var again = ""
            for _ in 0..<100 where !again.contains(" own-users-bad ") {
                again = try await Self.ocrctl(["dlq", "list"] + nats, fleet).output
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(again.contains(" own-users-bad ") && again != listed, "\(again)")
            #expect(try await Self.ocrctl(["dlq", "purge", "--yes"] + nats, fleet).status == 0)
            #expect(try await Self.ocrctl(["dlq", "list"] + nats, fleet).output.isEmpty)

            // Nothing any of them did was refused.
            #expect(Self.violations(fleet).isEmpty, "\(Self.violations(fleet))")
        }
    }

    @Test func aTenantsJobRunsOnTheTenantsOwnRouteWithEveryComponentOnItsOwnUser() async throws {
        try await withFleet(gatewayEnvironment: ["OCR_API_TOKENS": "tok-a:alpha"], natsUsers: true) { fleet in
            let client = try fleet.client(token: "tok-a")
            _ = try await client.submit(file: Fixtures.path("invoice.png"), jobID: "tenant-own", options: .init(priority: .batch))
            #expect(try await fleet.waitForTerminalState("tenant-own", token: "tok-a").state == .completed)
            // The worker made the tenant's consumer on its own user and took the job from it.
            let consumer = try await fleet.server.consumers(of: StreamNames.jobs)["ocr-t-alpha-batch"]
            #expect(consumer?.delivered == 1 && consumer?.ackPending == 0, "\(String(describing: consumer))")
            #expect(Self.violations(fleet).isEmpty, "\(Self.violations(fleet))")
        }
    }

    @Test func aWorkerStartedBeforeAnyGatewayWaitsForTheStreams() async throws {
        let users = FleetNATSUsers()
        try await withNATSServer(users: users) { server in
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let worker = try await NATSConnection.connect(users.options(.worker, url: server.url, name: "worker"), logger: logger)
            let gateway = try await NATSConnection.connect(
                users.options(.gateway, url: server.url, name: "gateway"),
                logger: logger
            )
            // What the worker does at start-up: streams (it may only check them), then its consumer.
            let starting = Task {
                try await FleetTopology.untilReady(logger: logger) { try await FleetTopology().ensureAll(on: worker) }
            }
            defer { starting.cancel() }
            #expect(try await Self.refused("Publish", "$JS.API.STREAM.CREATE.\(StreamNames.jobs)", on: worker))
            try await FleetTopology().ensureStreams(on: gateway)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await starting.value }
                group.addTask {
                    try await Task.sleep(for: .seconds(120))
                    throw TestEnvironmentError("the worker did not take up the gateway's streams")
                }
                try await group.next()
                group.cancelAll()
            }
            // Its consumer is there and it pulls from it: nothing yet.
            #expect(try await PullConsumer(connection: worker).fetch(max: 1, wait: .milliseconds(100)).isEmpty)
        }
    }

    @Test func aWorkerWantingOtherStreamSettingsUsesThemAsTheyAre() async throws {
        try await withFleet(runWorker: false, natsUsers: true) { fleet in
            let worker = try await Self.connect(.worker, fleet)
            // Three replicas where the gateway made one: its user may not change them, so it
            // says so and goes on (each refused change waits out libnats's request timeout).
            try await FleetTopology(replicas: 3).ensureStreams(on: worker)
            for stream in [StreamNames.jobs, StreamNames.events, StreamNames.deadLetters] {
                #expect(try await Self.refused("Publish", "$JS.API.STREAM.CREATE.\(stream)", on: worker))
            }
            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "as-they-are")
            #expect(try await StoredMessages(connection: worker, stream: StreamNames.jobs).bounds().count == 1)
        }
    }

    @Test func aWorkersUserCannotPublishJobsNorDeleteOrPurgeStreams() async throws {
        // No worker runs, so the submitted job stays queued.
        try await withFleet(runWorker: false, natsUsers: true) { fleet in
            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "stays-queued")
            let worker = try await Self.connect(.worker, fleet)
            let jobs = StoredMessages(connection: worker, stream: StreamNames.jobs)
            let job = JobEvent.request(
                JobRequest(
                    jobID: "forged",
                    source: .init(url: "http://127.0.0.1:1/forged"),
                    result: .init(url: "http://127.0.0.1:1/forged.md")
                ),
                source: "urn:test"
            )
            async let published = Self.failure { try await worker.publish(job) }
            async let purged = Self.failure { try await jobs.purge() }
            try worker.publishCore("\(Subjects.jobs).other", payload: [])
            try worker.publishCore(Subjects.jobs, payload: [])
            for stream in [StreamNames.jobs, StreamNames.events, StreamNames.deadLetters, "KV_\(StreamNames.jobStateBucket)"] {
                try worker.publishCore("$JS.API.STREAM.DELETE.\(stream)", payload: [])
                #expect(try await Self.refused("Publish", "$JS.API.STREAM.DELETE.\(stream)", on: worker))
            }
            let failures = await [published, purged]
            #expect(failures.allSatisfy { $0 != nil }, "\(failures)")
            #expect(try await Self.refused("Publish", Subjects.jobs, on: worker))
            #expect(try await Self.refused("Publish", JobRoute(job.data.options).subject, on: worker))
            #expect(try await Self.refused("Publish", "\(Subjects.jobs).other", on: worker))
            #expect(try await Self.refused("Publish", "$JS.API.STREAM.PURGE.\(StreamNames.jobs)", on: worker))

            // The queue holds the gateway's job and nothing else.
            let queued = try await StoredMessages(connection: fleet.nats, stream: StreamNames.jobs).bounds()
            #expect(queued.count == 1)
        }
    }

    @Test func aGatewaysUserCannotDeleteStreamsPublishEventsOrTakeWorkersJobs() async throws {
        try await withFleet(runWorker: false, natsUsers: true) { fleet in
            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "not-the-gateways")
            let gateway = try await Self.connect(.gateway, fleet)
            let completed = Subjects.event(.completed, jobID: "not-the-gateways")
            async let event = Self.failure { try await gateway.publish(completed, payload: Array("{}".utf8)) }
            async let deadLetter = Self.failure { try await gateway.publish(Subjects.deadLetters, payload: Array("{}".utf8)) }
            async let purged = Self.failure { try await StoredMessages(connection: gateway, stream: StreamNames.jobs).purge() }
            // libnats binds without the consumer's details when it may not read them; pulling is refused.
            async let taken = try? await PullConsumer(connection: gateway, binding: .workers).fetch(max: 1, wait: .seconds(2))
            for stream in [StreamNames.jobs, StreamNames.events, StreamNames.deadLetters, "KV_\(StreamNames.jobStateBucket)"] {
                try gateway.publishCore("$JS.API.STREAM.DELETE.\(stream)", payload: [])
                #expect(try await Self.refused("Publish", "$JS.API.STREAM.DELETE.\(stream)", on: gateway))
            }
            let workers = "\(StreamNames.jobs).\(StreamNames.workerConsumer)"
            // It reads and deletes dead letters (to retry a job) but may not purge them.
            for subject in [
                "$JS.API.CONSUMER.MSG.NEXT.\(workers)", "$JS.ACK.\(workers).1.1.1.1.1.0", "$JS.API.CONSUMER.DELETE.\(workers)",
                "$JS.API.STREAM.PURGE.\(StreamNames.deadLetters)",
            ] {
                try gateway.publishCore(subject, payload: [])
                #expect(try await Self.refused("Publish", subject, on: gateway), "\(subject)")
            }
            // Another user's replies are not the gateway's to read.
            let snooping = try CoreSubscription(connection: gateway, subject: "_INBOX.worker.>")
            defer { snooping.cancel() }
            #expect(try await Self.refused("Subscription", "_INBOX.worker.>", on: gateway))

            let failures = await [event, deadLetter, purged]
            #expect(failures.allSatisfy { $0 != nil }, "\(failures)")
            #expect(await taken?.isEmpty ?? true)
            #expect(try await Self.refused("Publish", "$JS.API.CONSUMER.MSG.NEXT.\(workers)", on: gateway))
            #expect(try await Self.refused("Publish", completed, on: gateway))
            #expect(try await Self.refused("Publish", Subjects.deadLetters, on: gateway))
            #expect(try await Self.refused("Publish", "$JS.API.CONSUMER.INFO.\(workers)", on: gateway))
            let queued = try await StoredMessages(connection: fleet.nats, stream: StreamNames.jobs).bounds()
            #expect(queued.count == 1)
        }
    }

    @Test func theOperatorsUserReadsAndReplaysButChangesNothingElse() async throws {
        try await withFleet(runWorker: false, natsUsers: true) { fleet in
            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "operated")
            let ocrctl = fleet.nats
            // Streams already as wanted need no write: its user may check them.
            try await FleetTopology().ensureStreams(on: ocrctl)
            async let event = Self.failure {
                try await ocrctl.publish(Subjects.event(.completed, jobID: "operated"), payload: Array("{}".utf8))
            }
            async let deadLetter = Self.failure { try await ocrctl.publish(Subjects.deadLetters, payload: Array("{}".utf8)) }
            async let purged = Self.failure { try await StoredMessages(connection: ocrctl, stream: StreamNames.jobs).purge() }
            async let taken = try? await PullConsumer(connection: ocrctl, binding: .workers).fetch(max: 1, wait: .seconds(2))
            for subject in [
                "$JS.API.STREAM.DELETE.\(StreamNames.deadLetters)", "$JS.API.STREAM.CREATE.ANOTHER",
                "$JS.API.STREAM.UPDATE.\(StreamNames.jobs)", "$JS.API.STREAM.PURGE.\(StreamNames.events)",
                "$JS.API.CONSUMER.DELETE.\(StreamNames.events).\(StreamNames.webhookConsumer)",
                "$JS.API.CONSUMER.DURABLE.CREATE.\(StreamNames.jobs).\(StreamNames.workerConsumer)",
            ] {
                try ocrctl.publishCore(subject, payload: [])
                #expect(try await Self.refused("Publish", subject, on: ocrctl), "\(subject)")
            }
            // Job requests carry presigned URLs: only the workers' consumer reads them.
            let snooping = try CoreSubscription(connection: ocrctl, subject: Subjects.jobs)
            defer { snooping.cancel() }
            #expect(try await Self.refused("Subscription", Subjects.jobs, on: ocrctl))

            let failures = await [event, deadLetter, purged]
            #expect(failures.allSatisfy { $0 != nil }, "\(failures)")
            #expect(await taken?.isEmpty ?? true)
            let workers = "\(StreamNames.jobs).\(StreamNames.workerConsumer)"
            #expect(try await Self.refused("Publish", "$JS.API.CONSUMER.MSG.NEXT.\(workers)", on: ocrctl))
            #expect(try await Self.refused("Publish", Subjects.deadLetters, on: ocrctl))
            #expect(try await Self.refused("Publish", "$JS.API.STREAM.PURGE.\(StreamNames.jobs)", on: ocrctl))
            let queued = try await StoredMessages(connection: ocrctl, stream: StreamNames.jobs).bounds()
            #expect(queued.count == 1)
            let state = try await JobStateStore(connection: ocrctl).get("operated")
            #expect(state?.state == .queued)
        }
    }
}
