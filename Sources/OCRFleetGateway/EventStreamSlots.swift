import Synchronization

/// How many event streams each tenant holds open on this replica, so one tenant cannot tie
/// up the gateway's connections and NATS consumers with streams it never reads.
final class EventStreamSlots: Sendable {
    let limit: Int
    private let open = Mutex<[String: Int]>([:])

    init(limit: Int) { self.limit = limit }

    /// Takes a slot for `tenant`; false when it holds `limit` already.
    func take(_ tenant: String) -> Bool {
        open.withLock { open in
            guard open[tenant, default: 0] < limit else { return false }
            open[tenant, default: 0] += 1
            return true
        }
    }

    func release(_ tenant: String) {
        open.withLock { open in
            open[tenant, default: 1] -= 1
            if open[tenant] == 0 { open[tenant] = nil }
        }
    }
}
