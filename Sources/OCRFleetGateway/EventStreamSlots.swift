import Synchronization

/// How many event streams each tenant holds open on this replica, so one tenant cannot tie
/// up the gateway's connections and NATS consumers with streams it never reads.
final class EventStreamSlots: Sendable {
    let limit: Int
    private let open = Mutex<[String: Int]>([:])

    init(limit: Int) { self.limit = limit }

    /// A slot for `tenant`, held until the lease is gone; nil when it holds `limit` already.
    func take(_ tenant: String) -> Lease? {
        let taken = open.withLock { open in
            guard open[tenant, default: 0] < limit else { return false }
            open[tenant, default: 0] += 1
            return true
        }
        return taken ? Lease(slots: self, tenant: tenant) : nil
    }

    fileprivate func release(_ tenant: String) {
        open.withLock { open in
            open[tenant, default: 1] -= 1
            if open[tenant] == 0 { open[tenant] = nil }
        }
    }

    /// One open stream's slot. It is given back when the last reference goes, so a stream
    /// whose body never ran (the client left before the head was written) frees it too.
    final class Lease: Sendable {
        private let slots: EventStreamSlots
        private let tenant: String

        fileprivate init(slots: EventStreamSlots, tenant: String) {
            self.slots = slots
            self.tenant = tenant
        }

        deinit { slots.release(tenant) }
    }
}
