import Foundation
import OCRFleetBus
import OCRFleetContent
import OCRFleetModel
import OCRFleetTesting
import Synchronization
import Testing

/// `ocrctl backfill` as an operator runs it, against a real gateway and nats-server.
@Suite(.serialized) struct BackfillTests {
    static func backfill(
        _ arguments: [String],
        stdout: FileHandle? = nil,
        environment: [String: String] = [:]
    ) throws
        -> Process
    {
        try BuiltExecutable.run("ocrctl", ["backfill"] + arguments, environment: environment, stdout: stdout)
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "backfill-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func manifest(entries: Int, in directory: String) throws -> String {
        let path = directory + "/manifest.jsonl"
        let lines = (1...entries).map { #"{"url": "http://127.0.0.1:9/docs/\#($0).pdf", "metadata": {"tenant": "acme"}}"# }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func summary(_ text: String) throws -> [String: Any] {
        let line = try #require(text.split(separator: "\n").last)
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func aDryRunListsWhatItWouldSubmitAndSubmitsNothing() async throws {
        try await withFleet(runWorker: false) { fleet in
            let directory = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try FileManager.default.createDirectory(atPath: directory + "/2024/march", withIntermediateDirectories: true)
            for name in ["a.pdf", "b.png", "2024/c.pdf", "2024/march/d.tif", "2024/march/notes.txt"] {
                try Data("document \(name)".utf8).write(to: URL(fileURLWithPath: "\(directory)/\(name)"))
            }
            let published = try await PublishedJobs(fleet)
            let output = Pipe()
            let run = try Self.backfill(
                ["--gateway", fleet.gatewayURL, "--dir", directory, "--dry-run", "--type", "application/pdf", "--type", "image/*"],
                stdout: output.fileHandleForWriting
            )
            let text = try await BuiltExecutable.readAll(output, until: run)
            #expect(run.terminationStatus == 0)
            let keys = text.split(separator: "\n").compactMap { $0.split(separator: " ", omittingEmptySubsequences: true).last }
            #expect(Set(keys.map(String.init)) == ["a.pdf", "b.png", "2024/c.pdf", "2024/march/d.tif"])
            #expect(text.split(separator: "\n").allSatisfy { $0.hasPrefix("bf-") })

            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "after-dry-run")
            #expect(try await published.before("after-dry-run") == [])
            // The gateway reads the queue's depth at most every 200 ms: the new one shows soon after.
            #expect(try await eventually { try await fleet.request("GET", "/v1/queue").body.contains(#""jobs":1"#) })
        }
    }

    @Test func anInterruptedRunResumesWithExactlyTheRest() async throws {
        try await withFleet(runWorker: false) { fleet in
            let directory = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let manifest = try Self.manifest(entries: 40, in: directory)
            let checkpoint = directory + "/run.checkpoint"
            let published = try await PublishedJobs(fleet)

            // Slowly, so that it can be stopped half-way: Ctrl-C once past 20 documents.
            let first = try Self.backfill([
                "--gateway", fleet.gatewayURL, "--manifest", manifest, "--checkpoint", checkpoint, "--rate", "20",
                "--concurrency", "2", "--json",
            ])
            while published.all.count < 20, first.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            kill(first.processIdentifier, SIGINT)
            try await BuiltExecutable.waitForExit(first)
            #expect(first.terminationStatus == 130)
            let recorded = try String(contentsOfFile: checkpoint, encoding: .utf8).split(separator: "\n").dropFirst()
            let submittedFirst = published.all.count
            #expect(submittedFirst >= 20 && submittedFirst < 40, "stopped after \(submittedFirst)")
            #expect(recorded.count == submittedFirst, "every accepted submission is in the checkpoint")

            let output = Pipe()
            let second = try Self.backfill(
                ["--gateway", fleet.gatewayURL, "--manifest", manifest, "--checkpoint", checkpoint, "--json"],
                stdout: output.fileHandleForWriting
            )
            let summary = try Self.summary(try await BuiltExecutable.readAll(output, until: second))
            #expect(second.terminationStatus == 0)
            #expect(summary["submitted"] as? Int == 40 - submittedFirst)
            #expect(summary["already_done"] as? Int == submittedFirst)
            #expect(summary["failed"] as? Int == 0)

            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "after-rerun")
            let submitted = try #require(try await published.before("after-rerun"))
            #expect(submitted.count == 40, "no document submitted twice")
            #expect(Set(submitted).count == 40)
            // The gateway reads the queue's depth at most every 200 ms: the new one shows soon after.
            #expect(try await eventually { try await fleet.request("GET", "/v1/queue").body.contains(#""jobs":41"#) })
        }
    }

    @Test func anS3PrefixIsOCRdWithResultsBesideItsDocuments() async throws {
        try await withS3Server { s3 in
            let image = Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("invoice.png"))))
            try await s3.client.put(image, key: "scans/one.png", contentType: "image/png")
            try await s3.client.put(image, key: "scans/two.png", contentType: "image/png")
            try await s3.client.put(Array("notes".utf8), key: "scans/notes.txt", contentType: "text/plain")
            try await s3.client.put(image, key: "elsewhere/three.png", contentType: "image/png")
            try await withFleet { fleet in
                let directory = try Self.temporaryDirectory()
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let environment = [
                    "OCR_S3_ENDPOINT": s3.endpoint, "OCR_S3_ACCESS_KEY_ID": s3.bucket.credentials.accessKeyID,
                    "OCR_S3_SECRET_ACCESS_KEY": s3.bucket.credentials.secretAccessKey,
                ]
                let arguments = [
                    "--gateway", fleet.gatewayURL, "--s3", "s3://\(s3.bucket.name)/scans/", "--type", "image/*", "--json",
                ]
                let output = Pipe()
                let run = try Self.backfill(
                    arguments + ["--checkpoint", directory + "/first"],
                    stdout: output.fileHandleForWriting,
                    environment: environment
                )
                let summary = try Self.summary(try await BuiltExecutable.readAll(output, until: run))
                #expect(summary["submitted"] as? Int == 2 && summary["filtered"] as? Int == 1)

                let deadline = ContinuousClock.now + .seconds(120)
                while ContinuousClock.now < deadline {
                    let one = try await s3.client.head("scans/one.png.md")
                    let two = try await s3.client.head("scans/two.png.md")
                    if one != nil, two != nil { break }
                    try await Task.sleep(for: .milliseconds(200))
                }
                #expect(try await s3.client.head("scans/one.png.md") != nil)
                #expect(try await s3.client.head("elsewhere/three.png.md") == nil)

                // A new run (no checkpoint) with --skip-done finds both results and submits nothing.
                let again = Pipe()
                let rerun = try Self.backfill(
                    arguments + ["--checkpoint", directory + "/second", "--skip-done"],
                    stdout: again.fileHandleForWriting,
                    environment: environment
                )
                let second = try Self.summary(try await BuiltExecutable.readAll(again, until: rerun))
                #expect(second["submitted"] as? Int == 0 && second["already_done"] as? Int == 2)
            }
        }
    }

    @Test func aCheckpointOfAnotherSourceIsRefused() async throws {
        try await withFleet(runWorker: false) { fleet in
            let directory = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let manifest = try Self.manifest(entries: 2, in: directory)
            let checkpoint = directory + "/shared.checkpoint"
            let first = try Self.backfill(["--gateway", fleet.gatewayURL, "--manifest", manifest, "--checkpoint", checkpoint])
            try await BuiltExecutable.waitForExit(first)
            #expect(first.terminationStatus == 0)
            let other = try Self.backfill(["--gateway", fleet.gatewayURL, "--dir", directory, "--checkpoint", checkpoint])
            try await BuiltExecutable.waitForExit(other)
            #expect(other.terminationStatus != 0)
        }
    }
}

/// Every job message published on `ocr.jobs`, by job id: a resubmission shows up here even
/// when JetStream would drop it as a duplicate.
final class PublishedJobs: Sendable {
    private final class IDs: Sendable {
        let list = Mutex<[String]>([])
    }

    private let ids = IDs()
    private let task: Task<Void, Never>

    init(_ fleet: TestFleet) async throws {
        let subscription = try CoreSubscription(connection: fleet.nats, subject: Subjects.jobsWildcard)
        try await fleet.nats.flush()
        let ids = self.ids
        task = Task {
            for await message in subscription {
                if let id = try? JobEvent.parse(body: message.payload, headers: message.headers).data.jobID {
                    ids.list.withLock { $0.append(id) }
                }
            }
        }
    }

    var all: [String] { ids.list.withLock { $0 } }

    /// The jobs published before `sentinel`, once it has arrived; nil if it does not. One
    /// gateway publishes on one connection, so whatever it published earlier has arrived by then.
    func before(_ sentinel: String) async throws -> [String]? {
        guard try await eventually({ all.contains(sentinel) }) else { return nil }
        return Array(all.prefix { $0 != sentinel })
    }
    deinit { task.cancel() }
}
