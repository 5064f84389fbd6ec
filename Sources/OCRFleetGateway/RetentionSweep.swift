import Foundation
import Logging
import OCRFleetBus
import OCRFleetModel
import ServiceLifecycle

/// With `OCR_RETENTION_DAYS`: every hour, purges each job that ended more than that long ago,
/// as `DELETE /v1/jobs/{id}?purge=true` would (docs/storage.md#retention). Every replica
/// sweeps; a purge is safe to repeat, and a job another replica purged first is simply gone.
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
                while !Task.isCancelled {
                    try await gateway.configuration.clock.sleep(for: Self.interval)
                    _ = await sweep(now: Date())
                }
            }
        } catch  where Task.isShuttingDownGracefully || Task.isCancelled {
            // Stopping: the next sweep, here or on another replica, goes on from where this one was.
        }
    }

    /// Purges the jobs that ended before `now` less the retention; returns how many. A job
    /// that cannot be purged now is left for the next sweep.
    func sweep(now: Date) async -> Int {
        guard let states = try? gateway.streams.states(), gateway.reviews.isReady else { return 0 }
        let cutoff = now.addingTimeInterval(-Double(retention.components.seconds))
        var purged = 0
        while !Task.isCancelled {
            let expired: [String]
            do {
                let found = try await states.ended(before: cutoff, limit: Self.batch)
                try await states.forget(found.markers)
                expired = found.jobs.map(\.jobID)
            } catch {
                gateway.logger.warning("could not list the jobs past retention; trying at the next sweep", metadata: ["error": "\(error)"])
                break
            }
            var progress = false
            for jobID in expired {
                guard (try? await gateway.purgeJob(busID: jobID)) != nil else { continue }
                purged += 1
                progress = true
            }
            if expired.count < Self.batch || !progress { break }
        }
        if purged > 0 { gateway.logger.notice("purged jobs past retention", metadata: ["jobs": "\(purged)"]) }
        return purged
    }
}
