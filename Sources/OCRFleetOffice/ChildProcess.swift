import Foundation

/// Runs programs to their end without blocking a Swift task.
enum ChildProcess {
    /// Runs `arguments` (an absolute path first) with `environment`; its exit status and
    /// output. Cancelling the task terminates the process.
    static func run(_ arguments: [String], environment: [String: String]) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        let output = Task.detached { pipe.fileHandleForReading.readDataToEndOfFile() }
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
        try? pipe.fileHandleForWriting.close()
        let log = String(decoding: await output.value, as: UTF8.self)
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
