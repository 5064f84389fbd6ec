import Logging
import OCRFleetModel
import Synchronization

/// Wakes an idle puller when a job is published on a route it takes. A tenant's first job may
/// wait on a consumer no worker knows yet, so an idle worker cannot wait on a pull: it listens
/// to the job subjects themselves (core NATS sees every publish the stream stores) from its
/// first empty round until a round takes a job, so a busy worker is sent no copies, and a job
/// published during a round is heard by the wait after it.
final class JobArrivals: Sendable {
    private let connection: NATSConnection
    private let wake = Wake()
    private let subscriptions = Mutex<[CoreSubscription]>([])

    init(connection: NATSConnection) {
        self.connection = connection
    }

    deinit { stop() }

    /// Waits until a job is published on a subject `takes` accepts, or `timeout` passes on
    /// `clock`; returns the subject, or nil. Listens first if it was not.
    func wait(upTo timeout: Duration, clock: FleetClock, takes: @escaping @Sendable (String) -> Bool) async -> String? {
        listen()
        wake.takes(takes)
        return await wake.next(upTo: timeout, clock: clock)
    }

    /// Stops listening: the worker is busy.
    func stop() {
        let listening = subscriptions.withLock { subscriptions in
            defer { subscriptions = [] }
            return subscriptions
        }
        for subscription in listening { subscription.cancel() }
        wake.clear()
    }

    private func listen() {
        guard subscriptions.withLock({ $0.isEmpty }) else { return }
        do {
            let made = try [Subjects.jobs, Subjects.jobsWildcard].map { try CoreSubscription(connection: connection, subject: $0, buffer: 16) }
            subscriptions.withLock { $0 = made }
            for subscription in made {
                Task { [wake] in
                    for await message in subscription { wake.heard(message.subject) }
                }
            }
        } catch {
            connection.logger.warning("cannot listen for new jobs; an idle worker looks again each second", metadata: ["error": "\(error)"])
        }
    }

    /// A subject heard while nobody waited is kept for the next wait; each waiter is resumed once.
    private final class Wake: Sendable {
        private struct State {
            var pending: String?
            var waiter: (id: Int, continuation: CheckedContinuation<String?, Never>)?
            var nextID = 0
            var takes: @Sendable (String) -> Bool = { _ in true }
        }

        private let state = Mutex(State())

        func takes(_ filter: @escaping @Sendable (String) -> Bool) { state.withLock { $0.takes = filter } }

        func clear() { state.withLock { $0.pending = nil } }

        func heard(_ subject: String) {
            let waiter: CheckedContinuation<String?, Never>? = state.withLock { state in
                guard state.takes(subject) else { return nil }
                guard let waiter = state.waiter else {
                    state.pending = subject
                    return nil
                }
                state.waiter = nil
                return waiter.continuation
            }
            waiter?.resume(returning: subject)
        }

        func next(upTo timeout: Duration, clock: FleetClock) async -> String? {
            let id = state.withLock { state in
                state.nextID += 1
                return state.nextID
            }
            return await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let ready: String? = state.withLock { state in
                        if let pending = state.pending {
                            state.pending = nil
                            return pending
                        }
                        state.waiter = (id, continuation)
                        return nil
                    }
                    if let ready {
                        continuation.resume(returning: ready)
                        return
                    }
                    Task { [self] in
                        try? await clock.sleep(for: timeout)
                        resume(id)
                    }
                }
            } onCancel: {
                resume(id)
            }
        }

        /// Resumes waiter `id` with nil, if it still waits.
        private func resume(_ id: Int) {
            let waiter: CheckedContinuation<String?, Never>? = state.withLock { state in
                guard let waiter = state.waiter, waiter.id == id else { return nil }
                state.waiter = nil
                return waiter.continuation
            }
            waiter?.resume(returning: nil)
        }
    }
}
