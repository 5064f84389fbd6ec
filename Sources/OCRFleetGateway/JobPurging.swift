import Foundation
import HTTPTypes
import Logging
import OCRFleetAPI
import OCRFleetBus
import OCRFleetMetrics
import OCRFleetModel

extension Gateway {
    /// `DELETE /v1/jobs/{id}?purge=true`: an ended job and everything kept of it removed
    /// (docs/storage.md#purging-a-job). A job still queued or running is refused: its worker
    /// would write results and events after the purge.
    func purge(_ busID: String, state: JobState) async throws -> Components.Schemas.Purged {
        guard state.state.isTerminal else {
            throw APIError(
                .conflict,
                code: "job_not_ended",
                "job \(state.jobID) is \(state.state.rawValue): cancel it, and purge it once it has ended"
            )
        }
        let purged = try await purgeJob(busID: busID)
        return .init(
            jobId: state.jobID,
            objects: purged.objects,
            events: Int(purged.records.events),
            deadLetters: purged.records.deadLetters,
            reviewItems: purged.records.review.items
        )
    }

    /// Removes the job `busID`: its records on the bus, its objects in this gateway's store
    /// (under its tenant's part, from the id's `<tenant>=` prefix), then its state. Each step
    /// can be run again, and the state goes last, so a purge cut short is finished by asking
    /// again. Also the retention sweep's.
    func purgeJob(busID: String) async throws -> (objects: Int, records: PurgedRecords) {
        let owner = Caller(tenant: Self.tenant(ofBusID: busID))
        let clientID = owner.clientID(ofBusID: busID) ?? busID
        let purge = JobPurge(connection: nats, states: try streams.states(), reviews: try reviews.store())
        do {
            let records = try await purge.purgeRecords(jobID: busID)
            let objects = try await store.deleteObjects(ofJob: clientID, under: owner.storeKey(""))
            try await purge.purgeState(jobID: busID)
            FleetMetrics.jobPurged()
            logger.notice(
                "job purged",
                metadata: [
                    "job_id": "\(busID)", "objects": "\(objects)", "events": "\(records.events)",
                    "dead_letters": "\(records.deadLetters)", "review_items": "\(records.review.items)",
                ]
            )
            return (objects, records)
        } catch {
            logger.error("a purge stopped part-way", metadata: ["job_id": "\(busID)", "error": "\(error)"])
            throw APIError(.serviceUnavailable, code: "unavailable", "the job could not be purged completely; ask again")
        }
    }

    /// The tenant a bus id names (`<tenant>=<id>`), when it names one.
    static func tenant(ofBusID busID: String) -> String? {
        guard let separator = busID.firstIndex(of: Caller.separator) else { return nil }
        let tenant = String(busID[..<separator])
        return Caller.isValidTenant(tenant) ? tenant : nil
    }
}
