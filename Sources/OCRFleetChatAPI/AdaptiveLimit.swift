import OCRFleetModel
import Synchronization

/// How many requests may be at a model's servers at once: at most `maximum`, lowered when
/// the servers push back and raised again as they recover (additive increase,
/// multiplicative decrease, as TCP does).
///
/// - 429 or 503 halves the limit (at most once per round trip, so one burst of refusals
///   counts once).
/// - A smoothed time per generated token above `latencyTolerance` times the lowest seen
///   lately means requests are queueing in the server: the limit drops by a tenth. Per
///   token, because a dense page takes longer than a blank one without the server being
///   any busier.
/// - Each answered request raises the limit by 1/limit, about one per round of requests.
public final class AdaptiveLimit: Sendable {
    public enum Signal {
        /// `tokens`: the answer's length, when the server reports it.
        case answered(latency: Duration, tokens: Int?)
        case overloaded
        case failed
    }

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var limit: Double
        public var inUse = 0
        public var peak = 0
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
        var smoothedLatency: Double?
        var latencyFloor: Double?
        var lastDecrease: FleetClock.Instant?
        /// Seconds of the last answered request, so a burst of refusals counts once.
        var lastRoundTrip = 0.1
    }

    public let maximum: Int
    public let latencyTolerance: Double
    /// Tells whether a round trip has passed since the last decrease.
    public let clock: FleetClock
    private let state: Mutex<State>

    public init(maximum: Int, latencyTolerance: Double = 3, clock: FleetClock = .continuous) {
        self.maximum = max(1, maximum)
        self.latencyTolerance = latencyTolerance
        self.clock = clock
        state = Mutex(State(limit: Double(max(1, maximum))))
    }

    /// The current limit.
    public var current: Int { state.withLock { Int($0.limit) } }
    /// Requests out now, and the most there have been at once.
    public var inUse: Int { state.withLock { $0.inUse } }
    public var peak: Int { state.withLock { $0.peak } }
    /// Requests waiting for a place.
    public var waiting: Int { state.withLock { $0.waiters.count } }

    /// Waits for a free place; false if the task was cancelled while waiting.
    public func acquire() async -> Bool {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                enum Outcome { case granted, cancelled, queued }
                let outcome = state.withLock { state -> Outcome in
                    if Task.isCancelled { return .cancelled }
                    if state.waiters.isEmpty, state.inUse < Int(state.limit) {
                        state.inUse += 1
                        state.peak = max(state.peak, state.inUse)
                        return .granted
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return .queued
                }
                switch outcome {
                case .granted: continuation.resume(returning: true)
                case .cancelled: continuation.resume(returning: false)
                case .queued: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(returning: false)
        }
    }

    /// Returns a place and reports how the request went.
    public func release(_ signal: Signal) {
        let now = clock.now
        let ready = state.withLock { state -> [Waiter] in
            state.inUse -= 1
            switch signal {
            case .answered(let latency, let tokens):
                let roundTrip = Double(latency.components.seconds) + Double(latency.components.attoseconds) * 1e-18
                state.lastRoundTrip = roundTrip
                let perToken = roundTrip / Double(max(tokens ?? 1, 1))
                let smoothed = state.smoothedLatency.map { $0 * 0.9 + perToken * 0.1 } ?? perToken
                state.smoothedLatency = smoothed
                // The floor follows the smoothed latency down at once and up slowly, so a
                // lasting change (another model, a busier GPU) becomes the new normal.
                let floor = state.latencyFloor.map { smoothed < $0 ? smoothed : $0 + (smoothed - $0) * 0.01 } ?? smoothed
                state.latencyFloor = floor
                if smoothed > floor * latencyTolerance, Self.mayDecrease(state, now: now, roundTrip: roundTrip) {
                    state.limit = max(1, state.limit * 0.9)
                    state.lastDecrease = now
                } else {
                    state.limit = min(Double(maximum), state.limit + 1 / state.limit)
                }
            case .overloaded:
                if Self.mayDecrease(state, now: now, roundTrip: state.lastRoundTrip) {
                    state.limit = max(1, state.limit * 0.5)
                    state.lastDecrease = now
                }
            case .failed:
                break
            }
            var ready: [Waiter] = []
            while !state.waiters.isEmpty, state.inUse < Int(state.limit) {
                ready.append(state.waiters.removeFirst())
                state.inUse += 1
            }
            state.peak = max(state.peak, state.inUse)
            return ready
        }
        for waiter in ready { waiter.continuation.resume(returning: true) }
    }

    private static func mayDecrease(_ state: State, now: FleetClock.Instant, roundTrip: Double) -> Bool {
        guard let last = state.lastDecrease else { return true }
        return now - last > .milliseconds(Int(max(roundTrip, 0.05) * 1000))
    }
}
