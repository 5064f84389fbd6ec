import Foundation
import HTTPTypes
import Logging
import OCRFleetAPI
import OCRFleetBus
import OCRFleetMetrics
import OCRFleetModel

extension Gateway {
    /// `DELETE /v1/jobs/{id}?purge=true`: an ended job and everything kept of it removed
    /// (docs/storage.md#purging-a-job). Its state stays as a tombstone, which keeps the id
    /// taken: a late redelivery of the job is settled without running, and a new job under
    /// the id could have its messages dropped by the streams' duplicate windows. A purge
    /// of a job already purged finishes whatever an earlier one left.
    func purge(_ id: String) async throws -> Components.Schemas.Purged {
        let caller = try Caller.required()
        let busID = caller.busID(id)
        guard caller.isValidJobID(id), let ended = try await streams.states().read(busID) else {
            throw APIError.notFound("no job \(id)")
        }
        let purged = try await purgeJob(ended, owner: caller, keepingTombstone: true, clientID: id)
        return .init(
            jobId: id,
            objects: purged.objects,
            events: Int(purged.records.events),
            deadLetters: purged.records.deadLetters,
            reviewItems: purged.records.review.items,
            cachedMessages: Int(purged.records.cached)
        )
    }

    /// How long after a job's end was recorded a missing terminal event is taken as aged out
    /// (or lost) rather than still being written.
    static let endAnnouncementGrace: TimeInterval = 600

    /// Purges the job `ended` was read as, whose objects are under `owner`'s part of the store
    /// as `clientID`: its tombstone first (refused with 409 if the job has not ended, its end
    /// is still being announced, or it changed since it was read), then its records on the
    /// bus and its objects, then its other keys (and, unless `keepingTombstone`, the tombstone).
    func purgeJob(
        _ ended: JobStateStore.Record,
        owner: Caller,
        keepingTombstone: Bool,
        clientID: String,
        letters: [DeadLetterEntry]? = nil,
        now: Date = Date()
    ) async throws -> (objects: Int, records: PurgedRecords) {
        let busID = ended.state.jobID
        let shownID = owner.clientID(ofBusID: busID) ?? busID
        guard ended.state.state.isTerminal else {
            throw APIError(
                .conflict,
                code: "job_not_ended",
                "job \(shownID) is \(ended.state.state.rawValue): cancel it, and purge it once it has ended"
            )
        }
        let purge = JobPurge(connection: nats, states: try streams.states(), reviews: try reviews.store())
        do {
            if ended.state.state != .purged {
                let recent = now.timeIntervalSince(ended.storedAt) < Self.endAnnouncementGrace
                if recent, try await !purge.isEndAnnounced(ended.state) {
                    throw APIError(
                        .conflict,
                        code: "job_not_ended",
                        "job \(shownID)'s end is still being recorded; purge it in a minute",
                        retryAfter: .seconds(60)
                    )
                }
                guard try await purge.markPurged(ended) else {
                    throw APIError(.conflict, code: "job_not_ended", "job \(shownID) changed while it was being purged; ask again")
                }
            }
            let records = try await purge.purgeRecords(jobID: busID, letters: letters)
            logger.info(
                "job's records purged",
                metadata: ["job_id": "\(busID)", "events": "\(records.events)", "dead_letters": "\(records.deadLetters)"]
            )
            let objects = clientID.isEmpty ? 0 : try await store.deleteObjects(ofJob: clientID, under: owner.storeKey(""))
            try await purge.purgeKeys(jobID: busID, state: !keepingTombstone)
            FleetMetrics.jobPurged()
            logger.notice(
                "job purged",
                metadata: [
                    "job_id": "\(busID)", "objects": "\(objects)", "events": "\(records.events)",
                    "dead_letters": "\(records.deadLetters)", "review_items": "\(records.review.items)",
                    "review_crops": "\(records.review.crops)", "audit_records": "\(records.review.auditRecords)",
                    "corrections": "\(records.review.corrections)", "cached_messages": "\(records.cached)",
                ]
            )
            return (objects, records)
        } catch let error as APIError {
            throw error
        } catch {
            logger.error("a purge stopped part-way", metadata: ["job_id": "\(busID)", "error": "\(error)"])
            throw APIError(.serviceUnavailable, code: "unavailable", "the job could not be purged completely; ask again")
        }
    }

    /// Whose store part a job of this gateway's is in, and under which id: the tenant its bus
    /// id names on a gateway with tokens; on one without, the store's root and the bus id.
    func owner(ofBusID busID: String) -> (owner: Caller, clientID: String) {
        guard !configuration.apiTokens.isEmpty, let separator = busID.firstIndex(of: Caller.separator) else {
            return (Caller(tenant: nil), busID)
        }
        let tenant = String(busID[..<separator])
        guard Caller.isValidTenant(tenant) else { return (Caller(tenant: nil), busID) }
        return (Caller(tenant: tenant), String(busID[busID.index(after: separator)...]))
    }
}
