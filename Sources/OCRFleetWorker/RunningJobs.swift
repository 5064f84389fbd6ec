import Synchronization

/// Why a running job was stopped before it ended by itself.
enum StopReason: Sendable {
    /// A cancel request (`DELETE /v1/jobs/{id}`, `ocrctl cancel`): the job ends `cancelled`.
    case cancelRequested
    /// The worker is shutting down and the grace period is over: the job goes back to the
    /// queue at once for another worker.
    case shutdown
    /// The job ran past its time limit: it fails with `engine_timeout` (retryable).
    case timedOut
}

/// The jobs this worker is running, so a cancel request, the shutdown grace period or a
/// job's time limit can stop one and say why.
final class RunningJobs: Sendable {
    final class Entry: Sendable {
        private let cancel: @Sendable () -> Void
        private let reason = Mutex<StopReason?>(nil)

        init(cancel: @escaping @Sendable () -> Void) { self.cancel = cancel }

        var stopReason: StopReason? { reason.withLock { $0 } }

        /// The first reason wins: a job cancelled by request stays cancelled even if
        /// shutdown follows.
        func stop(_ why: StopReason) {
            reason.withLock { if $0 == nil { $0 = why } }
            cancel()
        }
    }

    private let entries = Mutex<[String: [Entry]]>([:])

    /// Runs `body` as a stoppable job under `jobID`, stopped as `.timedOut` after
    /// `timeLimit`, and returns how it ended.
    func run<Value: Sendable>(
        _ jobID: String, timeLimit: Duration, _ body: @escaping @Sendable () async throws -> Value
    ) async -> (Result<Value, any Error>, StopReason?) {
        let task = Task { try await body() }
        let entry = Entry(cancel: { task.cancel() })
        entries.withLock { $0[jobID, default: []].append(entry) }
        let timer = Task {
            try await Task.sleep(for: timeLimit)
            entry.stop(.timedOut)
        }
        defer {
            timer.cancel()
            entries.withLock { entries in
                entries[jobID]?.removeAll { $0 === entry }
                if entries[jobID]?.isEmpty == true { entries[jobID] = nil }
            }
        }
        let result = await withTaskCancellationHandler {
            await task.result
        } onCancel: {
            entry.stop(.shutdown)
        }
        return (result, entry.stopReason)
    }

    /// Stops the job if it runs here; false if it does not.
    @discardableResult
    func stop(_ jobID: String, _ why: StopReason) -> Bool {
        let found = entries.withLock { $0[jobID] ?? [] }
        for entry in found { entry.stop(why) }
        return !found.isEmpty
    }

    func stopAll(_ why: StopReason) {
        let all = entries.withLock { $0.values.flatMap { $0 } }
        for entry in all { entry.stop(why) }
    }

    var count: Int { entries.withLock { $0.values.reduce(0) { $0 + $1.count } } }
}
