import Synchronization

/// Counts free job slots; the pull loop waits here so it never fetches more jobs than it
/// can start at once.
final class CapacityGate: Sendable {
    private struct State {
        var free: Int
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state: Mutex<State>

    init(slots: Int) { state = Mutex(State(free: slots)) }

    /// Waits until at least one slot is free and returns how many are.
    func waitForFree() async -> Int {
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

    func take() { state.withLock { $0.free -= 1 } }

    func put() {
        let waiter = state.withLock { state in
            state.free += 1
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
