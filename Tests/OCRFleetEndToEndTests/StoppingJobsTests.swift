import Foundation
import OCRFleetAPI
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import Testing
import VLLMDouble

/// Jobs that end before their work does: cancelled, over their time limit, or handed back
/// when a worker shuts down. A slow vLLM double keeps each page busy long enough to act.
@Suite(.serialized) struct StoppingJobsTests {
    static func slowDouble(perPage: Duration) -> VLLMDouble.Behaviour {
        var behaviour = VLLMDouble.Behaviour()
        behaviour.recognizeText = false
        behaviour.latency = perPage
        return behaviour
    }

    static func body(_ event: LifecycleEvent?) -> LifecycleData.Body? { event?.data.body }

    @Test func cancellingStopsARunningJobAndSkipsAQueuedOne() async throws {
        try await withVLLMDouble(Self.slowDouble(perPage: .milliseconds(500))) { vllm in
            let environment = [
                "OCR_VLLM_URL": vllm.baseURL, "OCR_ENGINE": "deepseek", "OCR_MAX_INFLIGHT_PAGES": "1", "OCR_MAX_JOBS": "1",
            ]
            try await withFleet(workerEnvironment: environment) { fleet in
                let started = try fleet.recordEvents("ocr.events.started.cancel-running")
                let running = try fleet.recordEvents("ocr.events.*.cancel-running")
                let queued = try fleet.recordEvents("ocr.events.*.cancel-queued")
                try await fleet.nats.flush()
                try await fleet.submit(file: Fixtures.path("bench-10p.pdf"), jobID: "cancel-running", options: .init(mode: .ocr))
                _ = try await started.events(count: 1)
                try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "cancel-queued")
                #expect(try await fleet.request("DELETE", "/v1/jobs/cancel-queued").status == 202)

                let asked = ContinuousClock.now
                let (status, body) = try await fleet.request("DELETE", "/v1/jobs/cancel-running")
                #expect(status == 202 && body.contains(#""job_id":"cancel-running""#), "\(body)")
                let events = try await running.events { $0.kind == .cancelled || $0.kind == .completed }
                #expect(events.first?.kind == .started && events.last?.kind == .cancelled)
                #expect(ContinuousClock.now - asked < .seconds(10), "a running job stops within seconds, on a loaded machine too")
                let state = try await fleet.waitForTerminalState("cancel-running")
                #expect(state.state == .cancelled && (state.pagesDone ?? 0) < 10)

                // The queued job is skipped when it reaches the worker: no `started`.
                let skipped = try await queued.events { $0.kind == .cancelled || $0.kind == .completed }
                #expect(skipped.map(\.kind) == [.cancelled])
                #expect(try await fleet.waitForTerminalState("cancel-queued").state == .cancelled)

                let again = try await fleet.request("DELETE", "/v1/jobs/cancel-running")
                #expect(again.status == 409 && again.body.contains("already_final"))
                #expect(try await fleet.request("DELETE", "/v1/jobs/no-such-job").status == 404)

                // The worker carries on with the next job, on the same server: stopping a
                // request is no sign that the server is unwell.
                try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "after-cancel")
                let next = try await fleet.waitForTerminalState("after-cancel")
                #expect(next.state == .completed && next.attempts == 1, "\(next)")
            }
        }
    }

    @Test func aJobOverItsTimeLimitFailsAsEngineTimeout() async throws {
        try await withVLLMDouble(Self.slowDouble(perPage: .milliseconds(500))) { vllm in
            let environment = [
                "OCR_VLLM_URL": vllm.baseURL, "OCR_ENGINE": "deepseek", "OCR_MAX_INFLIGHT_PAGES": "1", "OCR_MAX_DELIVER": "1",
            ]
            try await withFleet(workerEnvironment: environment) { fleet in
                let failures = try fleet.recordEvents("ocr.events.failed.too-slow")
                try await fleet.nats.flush()
                try await fleet.submit(file: Fixtures.path("bench-10p.pdf"), jobID: "too-slow", options: .init(mode: .ocr, timeoutS: 2))
                let events = try await failures.events(count: 1)
                guard case .failed(let failed) = Self.body(events.first) else {
                    Issue.record("no failed event")
                    return
                }
                #expect(failed.error.code == .engineTimeout && failed.error.message.contains("time limit"))
                #expect(try await fleet.waitForTerminalState("too-slow").state == .failed)
            }
        }
    }

    @Test func onSIGTERMAWorkerHandsUnfinishedJobsBackAndExitsCleanly() async throws {
        try await withVLLMDouble(Self.slowDouble(perPage: .milliseconds(700))) { vllm in
            try await withFleet(runWorker: false) { fleet in
                let events = try fleet.recordEvents("ocr.events.*.handed-back")
                try await fleet.nats.flush()
                var environment = [
                    "OCR_NATS_URL": fleet.server.url, "OCR_VLLM_URL": vllm.baseURL, "OCR_ENGINE": "deepseek",
                    "OCR_MAX_INFLIGHT_PAGES": "1", "OCR_SHUTDOWN_GRACE_S": "1", "OCR_WORKER_NAME": "first",
                ]
                let first = try BuiltExecutable.run("ocr-worker", [], environment: environment)
                try await fleet.submit(file: Fixtures.path("bench-10p.pdf"), jobID: "handed-back", options: .init(mode: .ocr))
                _ = try await events.events { $0.kind == .started }

                let signalled = ContinuousClock.now
                first.terminate()
                try await BuiltExecutable.waitForExit(first)
                #expect(first.terminationStatus == 0)
                #expect(ContinuousClock.now - signalled < .seconds(6), "grace period plus drain")
                let (_, handedBack) = try await fleet.request("GET", "/v1/jobs/handed-back")
                #expect(handedBack.contains(#""state":"retrying""#), "\(handedBack)")

                // Handed back without delay: the next worker takes it and finishes it.
                environment["OCR_WORKER_NAME"] = "second"
                environment["OCR_MAX_INFLIGHT_PAGES"] = "8"
                let second = try BuiltExecutable.run("ocr-worker", [], environment: environment)
                defer { second.terminate() }
                let state = try await fleet.waitForTerminalState("handed-back", timeout: .seconds(60))
                #expect(state.state == .completed && state.attempts == 2 && state.worker == "second")
            }
        }
    }
}

/// A worker told to stop while NATS is away.
@Suite(.serialized) struct StrandedWorkerTests {
    /// A pull waiting for its answer, or sent into the reconnect buffer, would hold the worker
    /// up to 30 s, consumer after consumer; told to stop, it exits within its grace instead.
    @Test func aWorkerToldToStopWhileNATSIsAwayExitsWithoutWaitingOutItsPulls() async throws {
        try await withFleet(runWorker: false) { fleet in
            let log = Pipe()
            let worker = try BuiltExecutable.run(
                "ocr-worker",
                [],
                environment: [
                    "OCR_NATS_URL": fleet.server.url, "OCR_ENGINE": "tesseract", "OCR_SHUTDOWN_GRACE_S": "1",
                    "OCR_WORKER_NAME": "stranded", "OCR_LOG_LEVEL": "info",
                ],
                stderr: log.fileHandleForWriting
            )
            defer { worker.terminate() }
            try log.fileHandleForWriting.close()
            let lines = BuiltExecutable.lines(log.fileHandleForReading)
            for try await line in lines where line.contains("worker ready") { break }
            fleet.server.stop()
            // A round of pulls has begun without NATS: its first request timed out.
            for try await line in lines where line.contains("cannot read which tenants have jobs waiting") { break }

            let signalled = ContinuousClock.now
            worker.terminate()
            try await BuiltExecutable.waitForExit(worker)
            #expect(ContinuousClock.now - signalled < .seconds(20), "not a pull's 30 s timeout")
            try await fleet.server.restart()
        }
    }
}

/// A worker killed on a job's last delivery: JetStream will not deliver the job again, and
/// one of the other workers ends it from the consumer's advisory instead of losing it.
@Suite(.serialized) struct KilledWorkerTests {
    @Test func aJobWhoseLastDeliveryDiedIsDeadLetteredOnceNotLost() async throws {
        try await withVLLMDouble(StoppingJobsTests.slowDouble(perPage: .milliseconds(700))) { vllm in
            try await withFleet(runWorker: false) { fleet in
                let started = try fleet.recordEvents("ocr.events.started.killed-mid-job")
                try await fleet.nats.flush()
                // One delivery in all: no failures allowed, and no lost worker either.
                var environment = [
                    "OCR_NATS_URL": fleet.server.url, "OCR_VLLM_URL": vllm.baseURL, "OCR_ENGINE": "deepseek",
                    "OCR_MAX_INFLIGHT_PAGES": "1", "OCR_MAX_DELIVER": "1", "OCR_MAX_LOST_ATTEMPTS": "0",
                    "OCR_ACK_WAIT_S": "5", "OCR_WORKER_NAME": "doomed",
                ]
                let doomed = try BuiltExecutable.run("ocr-worker", [], environment: environment)
                try await fleet.submit(file: Fixtures.path("bench-10p.pdf"), jobID: "killed-mid-job", options: .init(mode: .ocr))
                _ = try await started.events(count: 1)
                kill(doomed.processIdentifier, SIGKILL)
                try await BuiltExecutable.waitForExit(doomed)

                // Three workers, each able to hear the advisory; one handles it.
                let survivors = try (1...3).map { number in
                    environment["OCR_WORKER_NAME"] = "survivor-\(number)"
                    return try BuiltExecutable.run("ocr-worker", [], environment: environment)
                }
                defer { for survivor in survivors { survivor.terminate() } }
                let state = try await fleet.waitForTerminalState("killed-mid-job", timeout: .seconds(60))
                #expect(state.state == .failed && state.error?.code == .workerLost, "\(state)")
                #expect(state.error?.message.contains("without an outcome") == true, "\(state)")

                // Deleting the job from the work queue is the advisory's last step.
                let jobs = StoredMessages(connection: fleet.nats, stream: StreamNames.jobs)
                let deadline = ContinuousClock.now + .seconds(30)
                while try await jobs.bounds().count > 0, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(try await jobs.bounds().count == 0, "the job left the work queue")
                let events = try await StoredMessages(connection: fleet.nats, stream: StreamNames.events).all()
                let failed = events.filter { $0.subject == "ocr.events.failed.killed-mid-job" }
                #expect(failed.count == 1, "one failed event, not one per worker")
                let letters = try await StoredMessages(connection: fleet.nats, stream: StreamNames.deadLetters).all()
                #expect(letters.count == 1, "one dead letter")
                // One worker was given the advisory, once: no other handled it.
                let advisories = try await fleet.server.consumers(of: StreamNames.advisories)[StreamNames.advisoryConsumer]
                #expect(advisories?.delivered == 1 && advisories?.ackPending == 0, "\(String(describing: advisories))")
            }
        }
    }
}

/// Source URLs a worker must not fetch.
@Suite(.serialized) struct HostileSourceTests {
    @Test func metadataAndOffListHostsAreInvalidJobsAndTheWorkerCarriesOn() async throws {
        try await withFleet(workerEnvironment: ["OCR_SOURCE_ALLOW_HOSTS": "127.0.0.1"]) { fleet in
            let failures = try fleet.recordEvents("ocr.events.failed.>")
            try await fleet.nats.flush()
            for (id, url) in [
                ("metadata", "http://169.254.169.254/latest/meta-data/"), ("off-list", "http://localhost:1/doc.pdf"),
            ] {
                let job = #"{"job_id": "\#(id)", "source": {"url": "\#(url)"}}"#
                #expect(try await fleet.request("POST", "/v1/jobs", body: Array(job.utf8), contentType: "application/json").status == 202)
            }
            var codes: [String: (ErrorCode, Bool)] = [:]
            for event in try await failures.events(count: 2) {
                guard case .failed(let failed) = event.data.body else { continue }
                codes[event.data.header.jobID] = (failed.error.code, failed.willRetry)
            }
            #expect(codes["metadata"]?.0 == .invalidJob && codes["metadata"]?.1 == false)
            #expect(codes["off-list"]?.0 == .invalidJob && codes["off-list"]?.1 == false)

            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "allowed-host")
            #expect(try await fleet.waitForTerminalState("allowed-host").state == .completed)
        }
    }
}
