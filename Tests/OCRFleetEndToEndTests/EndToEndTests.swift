import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCRFleetAPI
import OCRFleetBus
import OCRFleetClient
import OCRFleetContent
import OCRFleetModel
import OCRFleetTesting
import Testing

/// Documents through gateway → NATS → worker → store, with real processes throughout.
@Suite(.serialized) struct EndToEndTests {
    @Test(arguments: ["report-3p.pdf", "invoice.png", "delivery.jpg", "pages-3p.tif"])
    func documentBecomesMarkdown(fixture: String) async throws {
        try await withFleet { fleet in
            let jobID = "e2e-" + fixture.replacingOccurrences(of: ".", with: "-")
            let recorder = try fleet.recordEvents("ocr.events.*.\(jobID)")
            try await fleet.nats.flush()
            try await fleet.submit(file: Fixtures.path(fixture), jobID: jobID)
            let events = try await recorder.events { $0.kind == .completed || $0.kind == .failed }

            let kinds = events.map(\.kind)
            #expect(kinds.first == .started)
            #expect(kinds.last == .completed, "events: \(kinds)")
            #expect(kinds.dropFirst().dropLast().allSatisfy { $0 == .progress } && kinds.contains(.progress))
            let truth = try #require(Fixtures.truth[fixture])
            guard case .started(let started) = events[0].data.body else {
                Issue.record("no started")
                return
            }
            #expect(started.pagesTotal == truth.count && started.engine == "tesseract")
            guard case .completed(let completed) = events.last!.data.body else { return }
            #expect(completed.pages == truth.count && completed.pagesFailed.isEmpty)
            #expect(!completed.result.url.contains("?"), "result URL in events must not carry a signature")
            #expect(Set(completed.timingsMs.keys).isSuperset(of: ["download", "recognize", "upload"]))

            let state = try await fleet.waitForTerminalState(jobID)
            #expect(state.state == .completed && state.pagesDone == truth.count && state.attempts == 1)

            let (status, markdown) = try await fleet.request("GET", "/v1/jobs/\(jobID)/result")
            #expect(status == 200)
            #expect(markdown.utf8.count == completed.result.bytes)
            let pages = Fixtures.pages(of: markdown)
            #expect(pages.count == truth.count)
            for (index, page) in zip(truth.indices, pages) {
                let recall = Fixtures.recall(truth: truth[index], recognised: page)
                #expect(recall >= 0.95, "page \(index + 1) of \(fixture): recall \(recall)\n\(page)")
            }
        }
    }

    /// `timings_ms` names the four stages events.md lists, no more: the steps between them
    /// (announcing the start, assembling the markdown) are not timed, and the stages fit in the
    /// job's duration.
    @Test func completedTimesItsFourStages() async throws {
        try await withFleet { fleet in
            let recorder = try fleet.recordEvents("ocr.events.*.timed")
            try await fleet.nats.flush()
            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "timed")
            let events = try await recorder.events { $0.kind == .completed || $0.kind == .failed }
            guard case .completed(let completed) = events.last?.data.body else {
                Issue.record("events: \(events.map(\.kind))")
                return
            }
            #expect(Set(completed.timingsMs.keys) == ["download", "convert", "recognize", "upload"])
            #expect(completed.timingsMs.values.reduce(0, +) <= completed.durationMs, "\(completed.timingsMs)")
        }
    }

    @Test func multipartUploadWithOptions() async throws {
        try await withFleet { fleet in
            let boundary = "ocrfleet-test-boundary"
            var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"options\"\r\n\r\n{\"pages\": \"2\"}\r\n".utf8)
            body += Array(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
                    .utf8
            )
            body += try Array(Data(contentsOf: URL(fileURLWithPath: Fixtures.path("report-3p.pdf"))))
            body += Array("\r\n--\(boundary)--\r\n".utf8)
            let (status, response) = try await fleet.request(
                "POST",
                "/v1/jobs?job_id=multipart-1",
                body: body,
                contentType: "multipart/form-data; boundary=\(boundary)"
            )
            #expect(status == 202, "\(response)")
            let state = try await fleet.waitForTerminalState("multipart-1")
            #expect(state.state == .completed && state.pagesTotal == 1)
            let (_, markdown) = try await fleet.request("GET", "/v1/jobs/multipart-1/result")
            #expect(markdown.hasPrefix("<!-- page 2 -->"))
            #expect(Fixtures.recall(truth: Fixtures.truth["report-3p.pdf"]![1], recognised: markdown) >= 0.95)
        }
    }

    @Test func badJobsFailWithTheirCodeAndTheWorkerServesTheNext() async throws {
        try await withFleet { fleet in
            let failures = try fleet.recordEvents("ocr.events.failed.>")
            let deadLetters = try CoreSubscription(connection: fleet.nats, subject: Subjects.deadLetters)
            try await fleet.nats.flush()

            // A source URL that answers 404.
            let missing = #"{"job_id": "bad-url", "source": {"url": "\#(fleet.gatewayURL)/v1/store/nothing/here"}}"#
            let (status, _) = try await fleet.request("POST", "/v1/jobs", body: Array(missing.utf8), contentType: "application/json")
            #expect(status == 202)
            // A payload that is not a CloudEvent, published straight to the stream.
            try await fleet.nats.publish(Subjects.jobs, payload: Array("hello, not a job".utf8), messageID: "junk-1")
            // A file that is no document.
            try await fleet.submit(file: Fixtures.path("not-a-document.txt"), jobID: "bad-format")

            let events = try await failures.events(count: 3)
            var codes: [String: ErrorCode] = [:]
            for event in events {
                guard case .failed(let failed) = event.data.body else { continue }
                #expect(failed.willRetry == false)
                codes[event.data.header.jobID.hasPrefix("unknown-") ? "junk" : event.data.header.jobID] = failed.error.code
            }
            #expect(codes == ["bad-url": .sourceNotFound, "junk": .invalidJob, "bad-format": .unsupportedFormat])
            #expect(try await fleet.waitForTerminalState("bad-url").error?.code == .sourceNotFound)

            // Each lands on ocr.dlq with the original kept.
            var letters: [CloudEvent<DeadLetter>] = []
            deadLetters.cancel(after: .seconds(60))
            for await message in deadLetters {
                letters.append(try CloudEventCoding.decoder().decode(CloudEvent<DeadLetter>.self, from: Data(message.payload)))
                if letters.count == 3 { break }
            }
            #expect(letters.count == 3)
            #expect(letters.allSatisfy { $0.type == "ocrfleet.job.deadlettered" && $0.data.attempts == 1 })
            let junk = try #require(letters.first { $0.data.jobID == nil })
            #expect(Data(base64Encoded: junk.data.originalBase64 ?? "") == Data("hello, not a job".utf8))

            // The same worker still serves the next job.
            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "after-bad")
            #expect(try await fleet.waitForTerminalState("after-bad").state == .completed)
        }
    }

    @Test func transientFailuresAreRetriedThenDeadLettered() async throws {
        try await withFleet(workerEnvironment: ["OCR_MAX_DELIVER": "2"]) { fleet in
            let recorder = try fleet.recordEvents("ocr.events.failed.unreachable")
            try await fleet.nats.flush()
            let closedPort = try await FreePort.find()
            let job = #"{"job_id": "unreachable", "source": {"url": "http://127.0.0.1:\#(closedPort)/doc.pdf"}}"#
            _ = try await fleet.request("POST", "/v1/jobs", body: Array(job.utf8), contentType: "application/json")
            let events = try await recorder.events { event in
                if case .failed(let failed) = event.data.body { return !failed.willRetry }
                return false
            }
            let attempts = events.map { ($0.data.header.attempt, $0.data.body) }
            #expect(attempts.count == 2)
            #expect(attempts.first.map { $0.0 } == 1 && attempts.last.map { $0.0 } == 2)
            if case .failed(let first) = attempts[0].1 {
                #expect(first.willRetry && first.error.code == .sourceUnreachable && first.error.retryable)
            }
            let state = try await fleet.waitForTerminalState("unreachable")
            #expect(state.state == .failed && state.attempts == 2)
        }
    }

    @Test func duplicatesAndCompletedJobsAreNotRedone() async throws {
        try await withFleet { fleet in
            let started = try fleet.recordEvents("ocr.events.started.dup-1")
            try await fleet.nats.flush()
            let source = fleet.store.presignedURL(
                .get,
                objectKey: "fixtures/invoice.png",
                expires: Date().addingTimeInterval(600)
            )
            let path = fleet.store.path(for: "fixtures/invoice.png")
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try FileManager.default.copyItem(atPath: Fixtures.path("invoice.png"), toPath: path)
            let job = JobRequest(
                jobID: "dup-1",
                source: SourceDocument(url: source),
                result: ResultTarget(url: fleet.store.presignedURL(.put, objectKey: "results/dup-1.md", expires: Date().addingTimeInterval(600)))
            )
            let event = JobEvent.request(job, source: "urn:test")
            let payload = try [UInt8](CloudEventCoding.encoder().encode(event))
            // The same CloudEvent twice within the duplicate window is one job.
            try await fleet.nats.publish(Subjects.jobs, payload: payload, messageID: event.id)
            try await fleet.nats.publish(Subjects.jobs, payload: payload, messageID: event.id)
            #expect(try await fleet.waitForTerminalState("dup-1").state == .completed)
            // A new request for a completed job_id is acknowledged without work.
            let again = JobEvent.request(job, source: "urn:test")
            try await fleet.nats.publish(
                Subjects.jobs,
                payload: try [UInt8](CloudEventCoding.encoder().encode(again)),
                messageID: again.id
            )
            let starts = try await started.events(during: .seconds(4))
            #expect(starts.count == 1)
        }
    }

    @Test func gatewayAnswersErrorsAsJSON() async throws {
        try await withFleet { fleet in
            let (missingStatus, missingBody) = try await fleet.request("GET", "/v1/jobs/nope")
            #expect(missingStatus == 404 && missingBody.contains("\"not_found\""))
            let bad = #"{"source": {"url": "http://x/y"}, "options": {"mode": "poetry"}}"#
            let (badStatus, badBody) = try await fleet.request("POST", "/v1/jobs", body: Array(bad.utf8), contentType: "application/json")
            #expect(badStatus == 400 && badBody.contains("\"field\":\"options.mode\""), "\(badBody)")
            let (forbidden, _) = try await fleet.request("GET", "/v1/store/results/x.md?expires=9999999999&signature=00")
            #expect(forbidden == 403)
            let (health, _) = try await fleet.request("GET", "/healthz")
            #expect(health == 200)
        }
    }

    @Test func aResultIsServedAsSoonAsItsCompletedEventIsOut() async throws {
        try await withFleet(runWorker: false) { fleet in
            // The moment between a worker's `completed` and its state update, held still.
            let states = try await JobStateStore(connection: fleet.nats)
            try await states.put(JobState(jobID: "lagging", state: .running))
            let markdown = "<!-- page 1 -->\n\nDone.\n"
            let path = fleet.store.path(for: "results/lagging.md")
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try markdown.write(toFile: path, atomically: true, encoding: .utf8)
            let completed = JobCompleted(
                result: ResultSummary(url: fleet.store.publicBaseURL + LocalStore.routePrefix + "results/lagging.md", bytes: 24, sha256: ""),
                pages: 1,
                pagesFailed: [],
                engine: "tesseract",
                durationMs: 1,
                timingsMs: [:],
                usage: PageUsage(pagesOCR: 1, pagesText: 0)
            )
            let event = LifecycleEvent.lifecycle(
                LifecycleData(header: EventHeader(jobID: "lagging", attempt: 1, worker: "test"), body: .completed(completed)),
                source: "urn:test"
            )
            try await fleet.nats.publish(
                Subjects.event(.completed, jobID: "lagging"),
                payload: try [UInt8](CloudEventCoding.encoder().encode(event)),
                messageID: event.id
            )

            let (status, body) = try await fleet.request("GET", "/v1/jobs/lagging/result")
            #expect(status == 200 && body == markdown)
        }
    }

    /// The kinds of the events the gateway streams for the job (through the client, which
    /// decodes each as it arrives), read until the server ends the stream.
    static func eventKinds(_ fleet: TestFleet, jobID: String) async throws -> [String] {
        var kinds: [String] = []
        for try await event in try await fleet.client().events(jobID) { kinds.append(event.kind.rawValue) }
        return kinds
    }

    @Test func aJobsEventsStreamLiveAndReplayAfterItEnds() async throws {
        try await withFleet { fleet in
            try await fleet.submit(file: Fixtures.path("bench-10p.pdf"), jobID: "streamed", options: .init(mode: .ocr))
            let live = try await Self.eventKinds(fleet, jobID: "streamed")
            #expect(live.first == "started" && live.last == "completed" && live.contains("progress"), "\(live)")
            // Once the job has ended, the same history, and the stream ends by itself.
            #expect(try await Self.eventKinds(fleet, jobID: "streamed") == live)
            #expect(try await fleet.request("GET", "/v1/jobs/nobody/events").status == 404)
        }
    }

    @Test func jobsAreListedNewestFirstByStateAPageAtATime() async throws {
        try await withFleet { fleet in
            for (id, fixture) in [("listed-1", "invoice.png"), ("listed-bad", "not-a-document.txt"), ("listed-2", "invoice.png")] {
                try await fleet.submit(file: Fixtures.path(fixture), jobID: id)
                _ = try await fleet.waitForTerminalState(id)
            }
            struct Page: Decodable {
                var jobs: [JobState]
                var next: String?
            }
            func page(_ query: String) async throws -> Page {
                let (status, body) = try await fleet.request("GET", "/v1/jobs?\(query)")
                #expect(status == 200, "\(body)")
                return try CloudEventCoding.decoder().decode(Page.self, from: Data(body.utf8))
            }
            #expect(try await page("state=completed").jobs.map(\.jobID) == ["listed-2", "listed-1"])
            #expect(try await page("state=failed").jobs.map(\.jobID) == ["listed-bad"])
            #expect(try await page("").jobs.map(\.jobID) == ["listed-2", "listed-bad", "listed-1"])

            let first = try await page("state=completed&limit=1")
            #expect(first.jobs.map(\.jobID) == ["listed-2"])
            let cursor = try #require(first.next)
            let second = try await page("state=completed&limit=1&before=\(cursor)")
            #expect(second.jobs.map(\.jobID) == ["listed-1"])

            let (status, body) = try await fleet.request("GET", "/v1/jobs?state=finished")
            #expect(status == 400 && body.contains(#""field":"state""#))
        }
    }
}

/// The gateway protects the fleet from clients that send too much.
@Suite struct GatewayLimitTests {
    @Test func aTokenOverItsRateIsToldWhenToComeBack() async throws {
        // One request per 1000 s after the burst: however slow the machine, nothing refills
        // between the three requests (the refill itself is tested with a manual clock).
        let environment = ["OCR_API_TOKENS": "secret:acme,other:beta", "OCR_RATE_LIMIT": "0.001", "OCR_RATE_BURST": "2"]
        try await withFleet(gatewayEnvironment: environment, runWorker: false) { fleet in
            var statuses: [(status: Int, headers: [String: String], body: String)] = []
            for _ in 0..<3 { statuses.append(try await fleet.exchange("GET", "/v1/jobs", token: "secret")) }
            #expect(statuses.map(\.status) == [200, 200, 429])
            let retryAfter = try #require(statuses[2].headers["retry-after"].flatMap(Int.init))
            #expect((900...1000).contains(retryAfter) && statuses[2].body.contains(#""code":"rate_limited""#))
            // Another token has its own allowance.
            #expect(try await fleet.request("GET", "/v1/jobs", token: "other").status == 200)
            #expect(try await fleet.request("GET", "/v1/jobs").status == 401)
        }
    }

    @Test func submissionsWaitWhileTheQueueIsFull() async throws {
        try await withFleet(gatewayEnvironment: ["OCR_MAX_BACKLOG": "2"], runWorker: false) { fleet in
            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "queued-1")
            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "queued-2")
            // The gateway reads the queue's depth now and then: submit until it has seen it.
            var refused = (status: 0, headers: [String: String](), body: "")
            for attempt in 3..<1000 where refused.status != 503 {
                refused = try await fleet.exchange(
                    "POST",
                    "/v1/jobs?job_id=queued-\(attempt)",
                    body: Array("%PDF-1.4".utf8),
                    contentType: "application/pdf"
                )
            }
            #expect(refused.status == 503 && refused.headers["retry-after"] == "5", "\(refused)")
            #expect(refused.body.contains(#""code":"backlog""#))
        }
    }

    @Test func aTenantWithItsCapOfJobsQueuedIsRefusedAndTheOthersAreNot() async throws {
        try await withFleet(
            gatewayEnvironment: ["OCR_API_TOKENS": "tok-a:alpha,tok-b:beta", "OCR_TENANT_MAX_QUEUED": "2"],
            runWorker: false
        ) { fleet in
            func submit(_ id: String, token: String) async throws -> (status: Int, headers: [String: String], body: String) {
                try await fleet.exchange("POST", "/v1/jobs?job_id=\(id)", body: Array("%PDF-1.4".utf8), contentType: "application/pdf", token: token)
            }
            #expect(try await submit("a-1", token: "tok-a").status == 202)
            #expect(try await submit("a-2", token: "tok-a").status == 202)
            let refused = try await submit("a-3", token: "tok-a")
            #expect(refused.status == 429 && refused.headers["retry-after"] == "5", "\(refused)")
            #expect(refused.body.contains(#""code":"tenant_queue_full""#) && refused.body.contains("OCR_TENANT_MAX_QUEUED"), "\(refused.body)")
            // The refused job left nothing behind: its id is free once there is room.
            #expect(try await fleet.request("GET", "/v1/jobs/a-3", token: "tok-a").status == 404)
            // Another tenant's queue is its own.
            #expect(try await submit("b-1", token: "tok-b").status == 202)
            // The same request again is answered as before, cap or not.
            #expect(try await submit("a-1", token: "tok-a").status == 200)
            // Each tenant's jobs wait on the tenant's own route.
            let subjects = try await StoredMessages(connection: fleet.nats, stream: StreamNames.jobs).counts(bySubject: Subjects.jobsWildcard)
            #expect(subjects == ["ocr.jobs.tenant.alpha.interactive": 2, "ocr.jobs.tenant.beta.interactive": 1], "\(subjects)")
        }
    }
}
