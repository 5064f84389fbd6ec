import Foundation

/// Runs programs to their end without blocking a Swift task or a thread of the cooperative pool.
enum ChildProcess {
    /// How much of a child's output is kept: its end, where the reason it failed is.
    static let keptOutput = 16 * 1024

    /// Runs `arguments` (an absolute path first) with `environment`; its exit status and the
    /// last `keptOutput` bytes of its output. Cancelling the task terminates the process.
    static func run(_ arguments: [String], environment: [String: String]) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        let output = OutputTail(reading: pipe.fileHandleForReading, keeping: keptOutput)
        defer { try? pipe.fileHandleForWriting.close() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                process.terminationHandler = { _ in continuation.resume() }
                do {
                    try process.run()
                } catch {
                    process.terminationHandler = nil
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            if process.isRunning { process.terminate() }
        }
        // Only the child's copies of the write end are left open now: the tail ends when they close.
        try? pipe.fileHandleForWriting.close()
        let log = String(decoding: await output.bytes(), as: UTF8.self)
        return (process.terminationStatus, log)
    }

    /// Whether `arguments` runs and exits 0.
    static func succeeds(_ arguments: [String]) async -> Bool {
        guard FileManager.default.isExecutableFile(atPath: arguments[0]),
            let (status, _) = try? await run(arguments, environment: ["PATH": "/usr/bin:/bin"])
        else { return false }
        return status == 0
    }
}
