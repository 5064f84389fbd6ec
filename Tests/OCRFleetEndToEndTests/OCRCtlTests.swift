import Foundation
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
            defer { follower.terminate() }
            try await Task.sleep(for: .milliseconds(500))
            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "ctl-events")
            let lines = await Self.readLines(output.fileHandleForReading) { $0.contains(" completed ") }
            #expect(lines.first?.contains(" started ctl-events attempt=1 ") == true)
            #expect(lines.first?.contains("format=png pages=1 engine=tesseract") == true)
            #expect(lines.last?.contains("pages=1 failed=[]") == true)
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

    /// Lines as they arrive, up to the first for which `last` is true (or end of output).
    static func readLines(_ handle: FileHandle, last: @escaping @Sendable (String) -> Bool) async -> [String] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var buffer = ""
                var lines: [String] = []
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    buffer += String(decoding: chunk, as: UTF8.self)
                    while let newline = buffer.firstIndex(of: "\n") {
                        let line = String(buffer[..<newline])
                        buffer.removeSubrange(...newline)
                        lines.append(line)
                        if last(line) { return continuation.resume(returning: lines) }
                    }
                }
                continuation.resume(returning: lines)
            }
        }
    }
}
