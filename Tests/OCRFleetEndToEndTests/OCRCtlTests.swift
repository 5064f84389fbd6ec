import Foundation
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import Testing

/// `ocrctl` as a user runs it: the built executable against a running fleet.
@Suite(.serialized) struct OCRCtlTests {
    /// `ocrctl` sits beside the test bundle in the build directory.
    static let executable: String = {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.pathComponents.count > 1, !FileManager.default.fileExists(atPath: url.appendingPathComponent("ocrctl").path) {
            url.deleteLastPathComponent()
        }
        return url.appendingPathComponent("ocrctl").path
    }()

    static func run(_ arguments: [String], stdout: FileHandle? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = stdout ?? FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test func submitWaitPrintsTheMarkdownAndWritesFiles() async throws {
        try await withFleet { fleet in
            let output = Pipe()
            let printed = try Self.run(
                ["submit", "--gateway", fleet.gatewayURL, "--wait", Fixtures.path("invoice.png")], stdout: output.fileHandleForWriting)
            let text = try await Self.readAll(output, until: printed)
            #expect(printed.terminationStatus == 0)
            #expect(Fixtures.words(text).contains("garden") && text.hasPrefix("<!-- page 1 -->"))

            let both = Pipe()
            let two = try Self.run(
                ["submit", "--gateway", fleet.gatewayURL, "--wait", Fixtures.path("invoice.png"), Fixtures.path("delivery.jpg")],
                stdout: both.fileHandleForWriting)
            let combined = try await Self.readAll(both, until: two)
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
            try await Self.waitForExit(written)
            #expect(written.terminationStatus == 0)
            let report = try String(contentsOfFile: directory + "/report-3p.md", encoding: .utf8)
            #expect(report.contains("<!-- page 3 -->"))
            #expect(FileManager.default.fileExists(atPath: directory + "/delivery.md"))

            let failing = try Self.run(["submit", "--gateway", fleet.gatewayURL, "--wait", Fixtures.path("not-a-document.txt")])
            try await Self.waitForExit(failing)
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
            var lines = Self.lines(output.fileHandleForReading).makeAsyncIterator()
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

    static func waitForExit(_ process: Process) async throws {
        while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
    }

    /// Everything the process writes, read on a Dispatch thread so no Swift task blocks.
    static func readAll(_ pipe: Pipe, until process: Process) async throws -> String {
        try pipe.fileHandleForWriting.close()
        let handle = pipe.fileHandleForReading
        let data = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: handle.readDataToEndOfFile()) }
        }
        try await waitForExit(process)
        return String(decoding: data, as: UTF8.self)
    }

    /// The lines a process writes, read on a Dispatch thread and ending with its output.
    static func lines(_ handle: FileHandle) -> AsyncStream<String> {
        AsyncStream { continuation in
            DispatchQueue.global().async {
                var buffer = ""
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    buffer += String(decoding: chunk, as: UTF8.self)
                    while let newline = buffer.firstIndex(of: "\n") {
                        continuation.yield(String(buffer[..<newline]))
                        buffer.removeSubrange(...newline)
                    }
                }
                continuation.finish()
            }
        }
    }
}
