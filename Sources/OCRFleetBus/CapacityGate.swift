import Synchronization

/// Counts free slots for pulled messages; a pull loop waits here (as its `batchSize`) so it
/// never fetches more messages than it can start handling at once.
public final class CapacityGate: Sendable {
    private struct State {
        var free: Int
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state: Mutex<State>

    public init(slots: Int) { state = Mutex(State(free: slots)) }

    /// Waits until at least one slot is free and returns how many are.
    public func waitForFree() async -> Int {
        while true {
            if let free = state.withLock({ $0.free > 0 ? $0.free : nil }) { return free }
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if state.free > 0 { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    public func take() { state.withLock { $0.free -= 1 } }

    public func put() {
        let waiter = state.withLock { state in
            state.free += 1
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
