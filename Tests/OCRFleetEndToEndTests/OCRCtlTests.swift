import Foundation
import OCRFleetBus
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
                ["submit", "--gateway", fleet.gatewayURL, "--wait", Fixtures.path("invoice.png")], stdout: output.fileHandleForWriting)
            let text = try await BuiltExecutable.readAll(output, until: printed)
            #expect(printed.terminationStatus == 0)
            #expect(Fixtures.words(text).contains("garden") && text.hasPrefix("<!-- page 1 -->"))

            let both = Pipe()
            let two = try Self.run(
                ["submit", "--gateway", fleet.gatewayURL, "--wait", Fixtures.path("invoice.png"), Fixtures.path("delivery.jpg")],
                stdout: both.fileHandleForWriting)
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

    @Test func eventsPrintsOneLinePerEvent() async throws {
        try await withFleet { fleet in
            let output = Pipe()
            let follower = try Self.run(
                ["events", "--nats", fleet.server.url, "--job", "ctl-events"], stdout: output.fileHandleForWriting)
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
