import Logging
import OCRFleetBus
import OCRFleetModel

/// Waits out trouble on the bus: a client moving to another server, a JetStream leader
/// election, a node cut off from its peers. Such trouble is never the job's fault, so a bus
/// call is tried again until it succeeds or `limit` has passed; only then does its error
/// reach the caller. The pause between tries doubles up to a second: the calls are cheap,
/// and a leader just elected or a client just reconnected is ready at once.
struct BusPatience: Sendable {
    var limit: Duration
    var clock: FleetClock = .continuous

    /// Runs on the caller's actor, so `body` may use the caller's state.
    @discardableResult
    nonisolated(nonsending) func run<T>(
        _ what: String,
        logger: Logger,
        _ body: () async throws -> T
    ) async throws
        -> T
    {
        let deadline = clock.now + limit
        var pause = Duration.milliseconds(200)
        while true {
            do {
                return try await body()
            } catch let error as NATSError {
                let resume = clock.now + pause
                guard resume < deadline else { throw error }
                logger.notice(
                    "bus trouble; trying again",
                    metadata: ["operation": "\(what)", "error": "\(error)", "retry_in": "\(pause)"]
                )
                try await clock.sleep(until: resume)
                pause = min(pause * 2, .seconds(1))
            }
        }
    }
}
