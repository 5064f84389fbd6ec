import Foundation
import OCRFleetBus
import OCRFleetContent
import OCRFleetModel
import OCRFleetTesting
import Testing
import VLLMDouble

/// Faults between the steps of a job's end (recorded, announced, settled): one terminal
/// event each time, and the job is never run again once its end is recorded.
@Suite(.serialized) struct JobEndTests {
    static var fastDouble: VLLMDouble.Behaviour {
        var behaviour = VLLMDouble.Behaviour()
        behaviour.recognizeText = false
        return behaviour
    }

    static func submit(_ id: String, store: CountingStore, fleet: TestFleet) async throws {
        let (status, body) = try await fleet.submit(jobID: id, through: store)
        #expect(status == 202, "\(body)")
    }

    /// The job's events as `OCR_EVENTS` keeps them, by kind.
    static func storedEvents(of id: String, fleet: TestFleet) async throws -> [EventKind: [LifecycleEvent]] {
        var events: [EventKind: [LifecycleEvent]] = [:]
        for message in try await StoredMessages(connection: fleet.nats, stream: StreamNames.events).all()
        where message.subject.hasSuffix(".\(id)") {
            let event = try LifecycleEvent.decode(message.payload)
            events[event.kind, default: []].append(event)
        }
        return events
    }

    static func waitUntilEmpty(_ stream: String, fleet: TestFleet, timeout: Duration = .seconds(60)) async throws {
        let stored = StoredMessages(connection: fleet.nats, stream: stream)
        let deadline = ContinuousClock.now + timeout
        while try await stored.bounds().count > 0 {
            guard ContinuousClock.now < deadline else { throw TestEnvironmentError("\(stream) kept its messages") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test func anEndWhoseRecordFailsOnceIsRecordedAgainNotFailed() async throws {
        let source = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("invoice.png"))))
        try await withVLLMDouble(Self.fastDouble) { vllm in
            try await withCountingStore(source: source) { store in
                let environment = [
                    "OCR_VLLM_URL": vllm.baseURL, "OCR_ENGINE": "deepseek", "OCR_TEST_FAULTS": "end-write-fails",
                ]
                try await withFleet(workerEnvironment: environment) { fleet in
                    try await Self.submit("record-fails", store: store, fleet: fleet)
                    let state = try await fleet.waitForTerminalState("record-fails")
                    #expect(state.state == .completed && state.attempts == 1 && state.failedAttempts == nil, "\(state)")
                    try await Self.waitUntilEmpty(StreamNames.jobs, fleet: fleet)
                    let events = try await Self.storedEvents(of: "record-fails", fleet: fleet)
                    #expect(events[.completed]?.count == 1)
                    #expect(events[.failed] == nil, "no failed event after the result was uploaded")
                    #expect(store.uploads["record-fails"] == 1, "not run again")
                }
            }
        }
    }

    @Test func aWorkerKilledBetweenRecordingAndAnnouncingAnEndLeavesItToTheNextDelivery() async throws {
        let source = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("invoice.png"))))
        try await withVLLMDouble(Self.fastDouble) { vllm in
            try await withCountingStore(source: source) { store in
                try await withFleet(runWorker: false) { fleet in
                    var environment = [
                        "OCR_NATS_URL": fleet.server.url, "OCR_VLLM_URL": vllm.baseURL, "OCR_ENGINE": "deepseek",
                        "OCR_ACK_WAIT_S": "5", "OCR_WORKER_NAME": "dies-after-recording",
                        "OCR_TEST_FAULTS": "exit-after-end-write",
                    ]
                    let first = try BuiltExecutable.run("ocr-worker", [], environment: environment)
                    try await Self.submit("recorded-unannounced", store: store, fleet: fleet)
                    try await BuiltExecutable.waitForExit(first)
                    #expect(first.terminationStatus == 70, "the fault fired")
                    let recorded = try await fleet.waitForTerminalState("recorded-unannounced")
                    #expect(recorded.state == .completed && recorded.completion != nil, "\(recorded)")
                    #expect(try await Self.storedEvents(of: "recorded-unannounced", fleet: fleet)[.completed] == nil)

                    environment["OCR_TEST_FAULTS"] = "none"
                    environment["OCR_WORKER_NAME"] = "finisher"
                    let second = try BuiltExecutable.run("ocr-worker", [], environment: environment)
                    defer { second.terminate() }
                    // The redelivery comes once the ack wait has passed; the finisher announces and acks it.
                    try await Self.waitUntilEmpty(StreamNames.jobs, fleet: fleet)
                    let events = try await Self.storedEvents(of: "recorded-unannounced", fleet: fleet)
                    #expect(events[.completed]?.count == 1)
                    #expect(events[.completed]?.first?.id == "recorded-unannounced.completed")
                    #expect(events[.completed]?.first?.data.header.worker == "dies-after-recording", "the recorded attempt's")
                    if case .completed(let completed)? = events[.completed]?.first?.data.body {
                        #expect(completed == recorded.completion, "announced exactly as recorded")
                    }
                    #expect(events[.started]?.count == 1, "the job did not run again")
                    #expect(store.uploads["recorded-unannounced"] == 1)
                }
            }
        }
    }

    @Test func aJobPublishedAgainAfterItFailedRunsAfresh() async throws {
        try await withFleet(workerEnvironment: ["OCR_MAX_DELIVER": "1"]) { fleet in
            let expires = Date().addingTimeInterval(600)
            let job = JobRequest(
                jobID: "fails-then-runs",
                source: SourceDocument(url: fleet.store.presignedURL(.get, objectKey: "late/invoice.png", expires: expires)),
                result: ResultTarget(url: fleet.store.presignedURL(.put, objectKey: "results/fails-then-runs.md", expires: expires))
            )
            try await fleet.nats.publish(JobEvent.request(job, source: "urn:test"))
            let failed = try await fleet.waitForTerminalState("fails-then-runs")
            #expect(failed.state == .failed && failed.error?.code == .sourceNotFound, "\(failed)")

            // The source appears, and the upstream service publishes the job again.
            let path = fleet.store.path(for: "late/invoice.png")
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try FileManager.default.copyItem(atPath: Fixtures.path("invoice.png"), toPath: path)
            try await fleet.nats.publish(JobEvent.request(job, source: "urn:test"))
            let deadline = ContinuousClock.now + .seconds(120)
            var state = failed
            while state.state != .completed, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                state = try await fleet.waitForTerminalState("fails-then-runs")
            }
            #expect(state.state == .completed && state.failedAttempts == nil && state.error == nil, "\(state)")
            try await Self.waitUntilEmpty(StreamNames.jobs, fleet: fleet)
            let events = try await Self.storedEvents(of: "fails-then-runs", fleet: fleet)
            #expect(events[.failed]?.count == 1 && events[.completed]?.count == 1)
        }
    }
}
