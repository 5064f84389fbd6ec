import OCRFleetModel
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
        private let clock: FleetClock
        /// When the job should have ended by: its start plus its time limit, or when it was
        /// stopped if that came first.
        private let state: Mutex<(reason: StopReason?, due: FleetClock.Instant)>

        init(cancel: @escaping @Sendable () -> Void, due: FleetClock.Instant, clock: FleetClock) {
            self.cancel = cancel
            self.clock = clock
            state = Mutex((nil, due))
        }

        var stopReason: StopReason? { state.withLock { $0.reason } }
        var due: FleetClock.Instant { state.withLock { $0.due } }

        /// The first reason wins: a job cancelled by request stays cancelled even if
        /// shutdown follows.
        func stop(_ why: StopReason) {
            let now = clock.now
            state.withLock {
                if $0.reason == nil { $0.reason = why }
                $0.due = min($0.due, now)
            }
            cancel()
        }
    }

    private let entries = Mutex<[String: [Entry]]>([:])
    let clock: FleetClock

    init(clock: FleetClock) {
        self.clock = clock
    }

    /// Runs `body` as a stoppable job under `jobID`, stopped as `.timedOut` after
    /// `timeLimit`, and returns how it ended.
    func run<Value: Sendable>(
        _ jobID: String,
        timeLimit: Duration,
        _ body: @escaping @Sendable () async throws -> Value
    ) async -> (Result<Value, any Error>, StopReason?) {
        let task = Task { try await body() }
        let due = clock.now + timeLimit
        let entry = Entry(cancel: { task.cancel() }, due: due, clock: clock)
        entries.withLock { $0[jobID, default: []].append(entry) }
        let timer = Task { [clock] in
            try await clock.sleep(until: due)
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

    /// Jobs still in their slot `grace` after they were due to end: stopped, their work did
    /// not return (native code that ignores cancellation, in this process).
    func wedged(grace: Duration) -> [String] {
        let now = clock.now
        return entries.withLock { entries in
            entries.filter { $0.value.contains { $0.due + grace < now } }.keys.sorted()
        }
    }

    var count: Int { entries.withLock { $0.values.reduce(0) { $0 + $1.count } } }
}
