import OCRFleetModel
import Subprocess
import SystemPackage

/// Runs programs to their end with swift-subprocess, in a process group of their own, without
/// blocking a Swift task or a thread of the cooperative pool: it awaits their end and streams
/// their pipes on threads of its own.
enum ChildProcess {
    /// How much of a child's output is kept: its end, where the reason it failed is.
    static let keptOutput = 16 * 1024

    /// How a run ended, and what the program printed.
    struct Outcome: Sendable {
        /// nil: the time limit passed, and the process group was killed.
        var status: TerminationStatus?
        /// The last `keptOutput` bytes of stdout and stderr.
        var tail: String
        /// Every line counted as `library`'s: stdout as information, stderr as warnings.
        var messages: NativeMessages

        /// It ended by itself with status 0.
        var succeeded: Bool { status == .exited(0) }
    }

    /// Runs `arguments` (an absolute path first) with `environment` and nothing else of this
    /// process's. Cancelling the task, or `timeLimit` passing, sends SIGKILL to its process
    /// group; so does its end, to whatever it left behind in the group.
    static func run(
        _ arguments: [String],
        environment: [String: String],
        library: String,
        timeLimit: Duration
    ) async throws -> Outcome {
        let configuration = Configuration(
            executable: .path(FilePath(arguments[0])),
            arguments: Arguments(Array(arguments.dropFirst())),
            environment: .custom(Dictionary(uniqueKeysWithValues: environment.map { (Environment.Key(stringLiteral: $0), $1) })),
            platformOptions: platformOptions
        )
        return try await withThrowingTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                let result = try await Subprocess.run(configuration, input: .none, output: .sequence, error: .sequence) { execution in
                    async let errors = OutputLines.read(execution.standardError, library: library, category: "stderr", severity: .warning)
                    let output = await OutputLines.read(execution.standardOutput, library: library, category: "stdout", severity: .info)
                    let both = (output, await errors)
                    // Not reaped yet, so the group is still this child's: nothing of it outlives the run.
                    try? execution.send(signal: .kill, toProcessGroup: true)
                    return both
                }
                let (output, errors) = result.closureResult
                var messages = output.messages
                messages.merge(errors.messages)
                let tail = String(decoding: (output.tail + errors.tail).suffix(keptOutput), as: UTF8.self)
                return Outcome(status: result.terminationStatus, tail: tail, messages: messages)
            }
            group.addTask {
                try await Task.sleep(for: timeLimit)
                return nil
            }
            let first = try await group.next() ?? nil
            // The run's task is cancelled when the limit passed first: its teardown kills the group.
            group.cancelAll()
            if let first { return first }
            var stopped = Outcome(status: nil, tail: "", messages: NativeMessages())
            if case .some(.some(let outcome)) = try? await group.next() {
                stopped.tail = outcome.tail
                stopped.messages = outcome.messages
            }
            return stopped
        }
    }

    /// A process group of its own, killed whole (SIGKILL) when the run is cancelled.
    static let platformOptions: PlatformOptions = {
        var options = PlatformOptions()
        options.processGroupID = 0
        options.teardownSequence = [.send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .seconds(1))]
        return options
    }()

    /// Whether `arguments` runs and exits 0 within a minute.
    static func succeeds(_ arguments: [String]) async -> Bool {
        guard let outcome = try? await run(arguments, environment: ["PATH": "/usr/bin:/bin"], library: "probe", timeLimit: .seconds(60))
        else { return false }
        return outcome.succeeded
    }
}
