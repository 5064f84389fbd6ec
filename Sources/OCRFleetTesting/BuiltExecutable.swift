import Foundation

/// This package's executables (`ocrctl`, `ocr-worker`, ...) as a user runs them: found
/// beside the test bundle in the build directory.
public enum BuiltExecutable {
    public static func path(_ name: String) -> String {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.pathComponents.count > 1, !FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path) {
            url.deleteLastPathComponent()
        }
        return url.appendingPathComponent(name).path
    }

    /// Starts `name` with `arguments`; output goes to the given handles, else nowhere (a child
    /// must not write into the test runner's own output). Its environment is the runner's, with
    /// `OCR_EGRESS_ALLOW` opening loopback (where every test double listens), then `environment`.
    public static func run(
        _ name: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        stdout: FileHandle? = nil,
        stderr: FileHandle? = nil
    ) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path(name))
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment
            .merging(["OCR_EGRESS_ALLOW": LoopbackEgress.allow]) { _, new in new }
            .merging(environment ?? [:]) { _, new in new }
        process.standardOutput = stdout ?? FileHandle.nullDevice
        process.standardError = stderr ?? FileHandle.nullDevice
        try process.run()
        return process
    }

    public static func waitForExit(_ process: Process) async throws {
        while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
    }

    /// Everything the process writes to `pipe`, read on a Dispatch thread so no Swift task blocks.
    public static func readAll(_ pipe: Pipe, until process: Process) async throws -> String {
        try pipe.fileHandleForWriting.close()
        let handle = pipe.fileHandleForReading
        let data = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: handle.readDataToEndOfFile()) }
        }
        try await waitForExit(process)
        return String(decoding: data, as: UTF8.self)
    }

    /// The lines a process writes, read on a Dispatch thread and ending with its output.
    public static func lines(_ handle: FileHandle) -> AsyncStream<String> {
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
