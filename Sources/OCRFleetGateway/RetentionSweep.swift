import Foundation
import Logging
import OCRFleetBus
import OCRFleetModel
import ServiceLifecycle

/// With `OCR_RETENTION_DAYS`: every hour, purges each job that ended more than that long ago,
/// as `DELETE /v1/jobs/{id}?purge=true` would, tombstone and all, and the tombstones of jobs
/// purged that long ago (docs/storage.md#retention). Every replica sweeps; a purge is safe to
/// repeat, and a job another replica purged first is simply gone.
struct RetentionSweep: Service {
    let gateway: Gateway
    let retention: Duration

    /// Between sweeps.
    static let interval = Duration.seconds(3600)
    /// Jobs read per batch of a sweep.
    static let batch = 500

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                // The first a few minutes after start (replicas apart), so a gateway restarted
                // more often than hourly still sweeps.
                var wait = Duration.seconds(Int.random(in: 60...300))
                while !Task.isCancelled {
                    try await gateway.configuration.clock.sleep(for: wait)
                    _ = await sweep(now: Date())
                    wait = Self.interval
                }
            }
        } catch  where Task.isShuttingDownGracefully || Task.isCancelled {
            // Stopping: the next sweep, here or on another replica, goes on from where this one was.
        }
    }

    /// Purges the jobs that ended (and tombstones left) before `now` less the retention;
    /// returns how many. A job that cannot be purged now is left for the next sweep.
    func sweep(now: Date) async -> Int {
        guard let states = try? gateway.streams.states(), gateway.reviews.isReady else { return 0 }
        let cutoff = now.addingTimeInterval(-Double(retention.components.seconds))
        var purged = 0
        while !Task.isCancelled {
            let found: (jobs: [JobState], markers: [JobStateStore.Marker])
            let letters: [DeadLetterEntry]
            do {
                found = try await states.ended(before: cutoff, limit: Self.batch)
                letters = found.jobs.isEmpty ? [] : try await DeadLetterQueue(connection: gateway.nats, states: states).list()
            } catch {
                gateway.logger.warning("could not list the jobs past retention; trying at the next sweep", metadata: ["error": "\(error)"])
                break
            }
            do {
                try await states.forget(found.markers)
            } catch {
                gateway.logger.warning("could not remove old purge markers", metadata: ["error": "\(error)"])
            }
            var progress = false
            for job in found.jobs where await purge(job.jobID, before: cutoff, now: now, states: states, letters: letters) {
                purged += 1
                progress = true
            }
            if found.jobs.count < Self.batch || !progress { break }
        }
        if purged > 0 { gateway.logger.notice("purged jobs past retention", metadata: ["jobs": "\(purged)"]) }
        return purged
    }

    /// Purges `jobID` if, read again, it still ended before `cutoff` (a retry may have queued
    /// it since it was listed).
    private func purge(_ jobID: String, before cutoff: Date, now: Date, states: JobStateStore, letters: [DeadLetterEntry]) async -> Bool {
        guard let ended = try? await states.read(jobID), ended.state.state.isTerminal, ended.storedAt < cutoff else { return false }
        let (owner, clientID) = gateway.owner(ofBusID: jobID)
        let purged = try? await gateway.purgeJob(ended, owner: owner, keepingTombstone: false, clientID: clientID, letters: letters, now: now)
        return purged != nil
    }
}
