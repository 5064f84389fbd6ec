import OCRFleetModel

/// The classify and extract stages wait on a model, which may be slow for a long document.
/// They stop at a deadline before the job's time limit, so a slow model costs the job its
/// labels or values (`engine_timeout` in `extraction.json`), never its markdown: the job
/// completes instead of timing out and being recognised again on every retry.
enum ModelStageDeadline {
    /// What is kept for the stages after the model's and the upload: a tenth of the job's
    /// time limit, at most a minute.
    static func reserve(timeLimit: Duration) -> Duration { min(.seconds(60), timeLimit / 10) }

    static func instant(jobStarted: FleetClock.Instant, timeLimit: Duration) -> FleetClock.Instant {
        jobStarted + timeLimit - reserve(timeLimit: timeLimit)
    }

    /// `body`'s value, or nil when `deadline` came first: `body` is then cancelled. A
    /// cancellation of the caller (the job stopped) is thrown.
    static func run<Value: Sendable>(
        until deadline: FleetClock.Instant,
        clock: FleetClock,
        _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value? {
        try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await clock.sleep(until: deadline)
                return nil
            }
            defer { group.cancelAll() }
            let first = try await group.next()
            return first ?? nil
        }
    }

    static func timedOut(_ stage: String, timeLimit: Duration) -> StageError {
        StageError(
            code: .engineTimeout,
            message: "the \(stage) stage had not finished \(reserve(timeLimit: timeLimit)) before the job's time limit of "
                + "\(timeLimit); the job completed without it"
        )
    }
}
