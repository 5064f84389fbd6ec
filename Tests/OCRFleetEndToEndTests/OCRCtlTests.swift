import Foundation
import OCRFleetAPI
import OCRFleetBus
import OCRFleetContent
import OCRFleetModel
import OCRFleetTesting
import Testing

/// `ocrctl` as a user runs it: the built executable against a running fleet.
@Suite(.serialized) struct OCRCtlTests {
    static func run(_ arguments: [String], stdout: FileHandle? = nil) throws -> Process {
        try BuiltExecutable.run("ocrctl", arguments, stdout: stdout)
    }

    @Test func submitWaitPrintsTheMarkdownAndWritesFiles() async throws {
        try await withFleet { fleet in
            let output = Pipe()
            let printed = try Self.run(
                ["submit", "--gateway", fleet.gatewayURL, "--wait", Fixtures.path("invoice.png")],
                stdout: output.fileHandleForWriting
            )
            let text = try await BuiltExecutable.readAll(output, until: printed)
            #expect(printed.terminationStatus == 0)
            #expect(Fixtures.words(text).contains("garden") && text.hasPrefix("<!-- page 1 -->"))

            let both = Pipe()
            let two = try Self.run(
                ["submit", "--gateway", fleet.gatewayURL, "--wait", Fixtures.path("invoice.png"), Fixtures.path("delivery.jpg")],
                stdout: both.fileHandleForWriting
            )
            let combined = try await BuiltExecutable.readAll(both, until: two)
            let invoice = try #require(combined.range(of: "<!-- \(Fixtures.path("invoice.png")) -->"))
            let delivery = try #require(combined.range(of: "<!-- \(Fixtures.path("delivery.jpg")) -->"))
            #expect(invoice.upperBound <= combined.range(of: "Garden")!.lowerBound)
            #expect(delivery.upperBound <= combined.range(of: "neighbour")!.lowerBound)

            let directory = NSTemporaryDirectory() + "ocrctl-\(UUID().uuidString.prefix(8))"
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let written = try Self.run([
                "submit", "--gateway", fleet.gatewayURL, "--wait", "-o", directory,
                Fixtures.path("report-3p.pdf"), Fixtures.path("delivery.jpg"),
            ])
            try await BuiltExecutable.waitForExit(written)
            #expect(written.terminationStatus == 0)
            let report = try String(contentsOfFile: directory + "/report-3p.md", encoding: .utf8)
            #expect(report.contains("<!-- page 3 -->"))
            #expect(FileManager.default.fileExists(atPath: directory + "/delivery.md"))

            let failing = try Self.run(["submit", "--gateway", fleet.gatewayURL, "--wait", Fixtures.path("not-a-document.txt")])
            try await BuiltExecutable.waitForExit(failing)
            #expect(failing.terminationStatus == 1)
        }
    }

    @Test func submitWithChunkWritesTheChunksAndChunksPrintsThem() async throws {
        try await withFleet { fleet in
            let directory = NSTemporaryDirectory() + "ocrctl-\(UUID().uuidString.prefix(8))"
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let (status, output) = try await DeadLetterCommandTests.run([
                "submit", "--gateway", fleet.gatewayURL, "--wait", "-o", directory, "--json",
                "--chunk", "page", "--chunk-size", "64", "--chunk-overlap", "0", Fixtures.path("report-3p.pdf"),
            ])
            #expect(status == 0, "\(output)")
            let written = try String(contentsOfFile: directory + "/report-3p.chunks.jsonl", encoding: .utf8)
            #expect(written.split(separator: "\n").count == 3 && written.contains(#""pages":[3]"#), "\(written)")
            let firstLine = try #require(output.split(separator: "\n").first)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(firstLine.utf8)) as? [String: String])
            let jobID = try #require(report["job_id"])

            let (printed, chunks) = try await DeadLetterCommandTests.run(["chunks", jobID, "--gateway", fleet.gatewayURL])
            #expect(printed == 0 && chunks == written)

            let (refused, message) = try await DeadLetterCommandTests.run([
                "submit", "--gateway", fleet.gatewayURL, "--chunk", "heading", "--chunk-size", "15", Fixtures.path("invoice.png"),
            ])
            #expect(refused != 0 && message.contains("--chunk-size must be 16-8192 tokens, not 15"), "\(message)")
        }
    }

    @Test func eventsPrintsOneLinePerEvent() async throws {
        try await withFleet { fleet in
            let output = Pipe()
            let follower = try Self.run(
                ["events", "--nats", fleet.server.url, "--job", "ctl-events"],
                stdout: output.fileHandleForWriting
            )
            try output.fileHandleForWriting.close()
            // Whatever happens, the follower ends, and with it the lines.
            let watchdog = Task {
                try? await Task.sleep(for: .seconds(60))
                follower.terminate()
            }
            defer {
                watchdog.cancel()
                follower.terminate()
            }
            var lines = BuiltExecutable.lines(output.fileHandleForReading).makeAsyncIterator()
            // Subscribed once it echoes a probe: a message on its subject that is no lifecycle event.
            let probe = Task {
                while !Task.isCancelled {
                    try? fleet.nats.publishCore("ocr.events.probe.ctl-events", payload: Array("{}".utf8))
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
            let first = await lines.next()
            probe.cancel()
            #expect(first?.contains("not a lifecycle event") == true)

            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "ctl-events")
            var events: [String] = []
            while let line = await lines.next() {
                if line.contains("ocr.events.probe") { continue }
                events.append(line)
                if line.contains(" completed ") { break }
            }
            #expect(events.first?.contains(" started ctl-events attempt=1 ") == true)
            #expect(events.first?.contains("format=png pages=1 engine=tesseract") == true)
            #expect(events.dropFirst().dropLast().allSatisfy { $0.contains(" progress ctl-events ") })
            #expect(events.last?.contains(" completed ctl-events ") == true)
            #expect(events.last?.contains("pages=1 failed=[]") == true)
        }
    }
}

/// `ocrctl watch` waits on a job the way a script would.
@Suite(.serialized) struct WatchCommandTests {
    @Test func watchPrintsAJobsEventsAndExitsWithHowItEnded() async throws {
        try await withFleet(workerEnvironment: ["OCR_MAX_DELIVER": "1"]) { fleet in
            try await fleet.submit(file: Fixtures.path("report-3p.pdf"), jobID: "watched", options: .init(mode: .ocr))
            let (status, output) = try await DeadLetterCommandTests.run(["watch", "watched", "--nats", fleet.server.url])
            let kinds = output.split(separator: "\n").map { $0.split(separator: " ")[1] }
            #expect(status == 0 && kinds.first == "started" && kinds.last == "completed", "\(output)")

            try await fleet.submit(file: Fixtures.path("not-a-document.txt"), jobID: "watched-bad")
            let (failed, lines) = try await DeadLetterCommandTests.run(["watch", "watched-bad", "--nats", fleet.server.url])
            #expect(failed == 1 && lines.contains("failed watched-bad") && lines.contains("code=unsupported_format"), "\(lines)")
            // Once ended, the replay alone, and the same answer.
            #expect(try await DeadLetterCommandTests.run(["watch", "watched", "--nats", fleet.server.url]).status == 0)
        }
    }
}

/// `ocrctl dlq` against the dead letters a real worker wrote.
@Suite(.serialized) struct DeadLetterCommandTests {
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let output = Pipe()
        let process = try BuiltExecutable.run("ocrctl", arguments, stdout: output.fileHandleForWriting, stderr: output.fileHandleForWriting)
        let text = try await BuiltExecutable.readAll(output, until: process)
        return (process.terminationStatus, text)
    }

    @Test func deadLettersAreListedShownReplayedAndPurged() async throws {
        try await withFleet(workerEnvironment: ["OCR_MAX_DELIVER": "1"]) { fleet in
            let nats = ["--nats", fleet.server.url]
            let failures = try fleet.recordEvents("ocr.events.failed.>")
            try await fleet.nats.flush()
            // A source that is not there yet, and a file that is no document.
            let later = fleet.store.presignedURL(.get, objectKey: "later/invoice.png", expires: Date().addingTimeInterval(3600))
            let job = #"{"job_id": "dlq-late", "source": {"url": "\#(later)"}}"#
            _ = try await fleet.request("POST", "/v1/jobs", body: Array(job.utf8), contentType: "application/json")
            try await fleet.submit(file: Fixtures.path("not-a-document.txt"), jobID: "dlq-bad")
            _ = try await failures.events(count: 2)

            var listed = ""
            for _ in 0..<50 where listed.split(separator: "\n").count < 2 {
                listed = try await Self.run(["dlq", "list"] + nats).output
                try await Task.sleep(for: .milliseconds(100))
            }
            let lines = listed.split(separator: "\n")
            #expect(lines.count == 2, "\(listed)")
            #expect(lines.contains { $0.contains(" dlq-late source_not_found attempts=1 ") })
            #expect(lines.contains { $0.contains(" dlq-bad unsupported_format attempts=1 ") })
            #expect(try await Self.run(["dlq", "list", "--code", "unsupported_format"] + nats).output.split(separator: "\n").count == 1)

            let shown = try await Self.run(["dlq", "show", "dlq-late"] + nats)
            #expect(shown.status == 0 && shown.output.contains(#""type" : "ocrfleet.job.deadlettered""#))
            #expect(shown.output.contains(later))

            // The source appears; the replayed job now completes, and its dead letter is gone.
            let put = fleet.store.presignedURL(.put, objectKey: "later/invoice.png", expires: Date().addingTimeInterval(3600))
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("invoice.png"))))
            let path = String(put.dropFirst(fleet.gatewayURL.count))
            #expect(try await fleet.request("PUT", path, body: bytes, contentType: "image/png").status == 200)
            let replayed = try await Self.run(["dlq", "replay", "dlq-late"] + nats)
            #expect(replayed.status == 0 && replayed.output.hasPrefix("replayed dlq-late as event "), "\(replayed.output)")
            #expect(try await fleet.waitForTerminalState("dlq-late").state == .completed)
            let remaining = try await Self.run(["dlq", "list"] + nats).output.split(separator: "\n")
            #expect(remaining.count == 1 && remaining[0].contains("dlq-bad"))

            #expect(try await Self.run(["dlq", "purge"] + nats).status != 0, "purge asks for --yes")
            #expect(try await Self.run(["dlq", "purge", "--yes"] + nats).status == 0)
            #expect(try await Self.run(["dlq", "list"] + nats).output.isEmpty)
        }
    }
}

extension DeadLetterCommandTests {
    /// A letter whose presigned URL expired would only fail again: replay says so, and does it
    /// only when told to.
    @Test func aDeadLetterWhoseURLsExpiredIsReplayedOnlyWhenForced() async throws {
        try await withFleet(workerEnvironment: ["OCR_MAX_DELIVER": "1"]) { fleet in
            let nats = ["--nats", fleet.server.url]
            let failures = try fleet.recordEvents("ocr.events.failed.dlq-expired")
            try await fleet.nats.flush()
            let expired = fleet.store.presignedURL(.get, objectKey: "gone.png", expires: Date().addingTimeInterval(-60))
            let job = #"{"job_id": "dlq-expired", "source": {"url": "\#(expired)"}}"#
            _ = try await fleet.request("POST", "/v1/jobs", body: Array(job.utf8), contentType: "application/json")
            _ = try await failures.events(count: 1)
            var listed = ""
            for _ in 0..<50 where listed.isEmpty {
                listed = try await Self.run(["dlq", "list"] + nats).output
                if listed.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
            }
            let refused = try await Self.run(["dlq", "replay", "dlq-expired"] + nats)
            #expect(refused.status == 1 && refused.output.contains("its source URL expired at"), "\(refused.output)")
            #expect(try await Self.run(["dlq", "list"] + nats).output.contains("dlq-expired"), "the letter is kept")
            let forced = try await Self.run(["dlq", "replay", "dlq-expired", "--force"] + nats)
            #expect(forced.status == 0 && forced.output.hasPrefix("replayed dlq-expired as event "), "\(forced.output)")
        }
    }
}

/// `ocrctl` for scripts: `--json` everywhere, and `--nats` straight to the bus.
@Suite(.serialized) struct ScriptedCommandTests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    @Test func everyJobCommandSpeaksJSON() async throws {
        try await withFleet { fleet in
            let gateway = ["--gateway", fleet.gatewayURL]
            let submitted = try await DeadLetterCommandTests.run(["submit", "--json", Fixtures.path("invoice.png")] + gateway)
            let id = try #require(try Self.json(submitted.output)["job_id"] as? String)
            _ = try await fleet.waitForTerminalState(id)

            let status = try Self.json(try await DeadLetterCommandTests.run(["status", id, "--json"] + gateway).output)
            #expect(status["state"] as? String == "completed" && status["pages_total"] as? Int == 1)
            let line = try await DeadLetterCommandTests.run(["status", id] + gateway).output
            #expect(line.hasPrefix("\(id) completed attempts=1 pages=1/1 engine=tesseract"), "\(line)")

            let result = try Self.json(try await DeadLetterCommandTests.run(["result", id, "--json"] + gateway).output)
            #expect((result["markdown"] as? String)?.contains("<!-- page 1 -->") == true)

            let refused = try await DeadLetterCommandTests.run(["cancel", id, "--json"] + gateway)
            #expect(refused.status != 0 && refused.output.contains("already_final"))
        }
    }

    @Test func jobsGoStraightOntoTheBusWithNATS() async throws {
        try await withFleet { fleet in
            // A document and a result slot the workers reach by URL, as an upstream service's store gives them.
            let (source, result) = try fleet.storedDocument("invoice.png")

            let nats = ["--nats", fleet.server.url]
            let run = try await DeadLetterCommandTests.run(["submit", source, "--result-url", result, "--wait", "--json"] + nats)
            #expect(run.status == 0, "\(run.output)")
            let answer = try Self.json(run.output)
            #expect(answer["state"] as? String == "completed")
            let markdown = try String(contentsOfFile: fleet.store.path(for: "outbox/invoice.md"), encoding: .utf8)
            #expect(Fixtures.words(markdown).contains("garden"))

            let id = try #require(answer["job_id"] as? String)
            let status = try Self.json(try await DeadLetterCommandTests.run(["status", id, "--json"] + nats).output)
            #expect(status["state"] as? String == "completed")
            #expect(try await DeadLetterCommandTests.run(["submit", Fixtures.path("invoice.png")] + nats).status != 0)
        }
    }

    @Test func aQueuedJobIsCancelledOverTheBus() async throws {
        try await withFleet(runWorker: false) { fleet in
            let body = #"{"job_id": "bus-cancel", "source": {"url": "http://127.0.0.1:9/a.pdf"}}"#
            _ = try await fleet.request("POST", "/v1/jobs", body: Array(body.utf8), contentType: "application/json")
            let cancelled = try await DeadLetterCommandTests.run(["cancel", "bus-cancel", "--json", "--nats", fleet.server.url])
            #expect(cancelled.status == 0)
            #expect(try Self.json(cancelled.output)["was"] as? String == "queued")
        }
    }
}
