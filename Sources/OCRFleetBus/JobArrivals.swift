import Logging
import OCRFleetModel

/// Wakes an idle puller when a job is published on a subject it takes. A tenant's first job
/// may wait on a consumer no worker knows yet, so an idle worker cannot wait on a pull: it
/// listens to the routes' subjects themselves (core NATS sees every publish the stream
/// stores), only while it waits, so a busy fleet is sent no copies.
enum JobArrivals {
    /// Waits until a job is published on one of `subjects` (true) or `timeout` passes on
    /// `clock` (false). Without the subscriptions (NATS away) it waits out the timeout.
    static func wait(on connection: NATSConnection, subjects: [String], upTo timeout: Duration, clock: FleetClock) async -> Bool {
        let subscriptions: [CoreSubscription]
        do {
            subscriptions = try subjects.map { try CoreSubscription(connection: connection, subject: $0, buffer: 1) }
        } catch {
            connection.logger.warning("cannot listen for new jobs", metadata: ["error": "\(error)"])
            try? await clock.sleep(for: timeout)
            return false
        }
        defer { for subscription in subscriptions { subscription.cancel() } }
        return await withTaskGroup(of: Bool.self) { group in
            for subscription in subscriptions {
                group.addTask {
                    for await _ in subscription { return true }
                    return false
                }
            }
            group.addTask {
                try? await clock.sleep(for: timeout)
                return false
            }
            let woken = await group.next() ?? false
            group.cancelAll()
            return woken
        }
    }
}
