import Foundation
import OCRFleetModel

/// What purging a job removed from human review.
public struct PurgedReview: Sendable, Equatable {
    public var items = 0
    public var crops = 0
    public var auditRecords: UInt64 = 0
    public var corrections = 0

    public init() {}
}

extension ReviewStore {
    /// Removes everything review keeps of job `jobID`: its items, crops, document and case
    /// (with their history), and, under the case's tenant, its audit trail and the corrections
    /// its decisions recorded. A queue message left for one of its undecided items names only
    /// the item, and is dropped the next time the tenant's lane is pulled (the item is gone).
    /// Each step can be run again; the case goes last.
    public func purge(jobID: String) async throws -> PurgedReview {
        var purged = PurgedReview()
        guard JobRequest.isValidJobID(jobID) else { return purged }
        let tenant = try await caseOf(jobID: jobID)?.tenant
        for key in try await bucket.keys(prefix: "item.\(jobID).") {
            try await bucket.purge(key)
            purged.items += 1
        }
        for key in try await cropBucket.keys(prefix: "\(jobID).") {
            try await cropBucket.purge(key)
            purged.crops += 1
        }
        for key in try await bucket.keys(prefix: "doc.\(jobID).") { try await bucket.purge(key) }
        if let tenant, ReviewItem.isValidTenant(tenant) {
            purged.auditRecords = try await StoredMessages(connection: connection, stream: StreamNames.reviewAudit)
                .purge(subject: Subjects.reviewAudit(tenant: tenant, jobID: jobID))
            purged.corrections = try await deleteCorrections(jobID: jobID, tenant: tenant)
        }
        if tenant != nil {
            try await bucket.purge(Self.readyKey(jobID))
            try await bucket.purge(Self.caseKey(jobID))
        }
        return purged
    }

    /// Deletes the tenant's corrections that came from the job's decisions, under every label.
    private func deleteCorrections(jobID: String, tenant: String) async throws -> Int {
        let stored = StoredMessages(connection: connection, stream: StreamNames.reviewCorrections)
        var deleted = 0
        for message in try await storedMessages(in: StreamNames.reviewCorrections, on: Subjects.reviewCorrections(tenant: tenant), limit: .max) {
            guard let correction = try? CloudEventCoding.decoder().decode(ReviewCorrection.self, from: Data(message.payload)),
                correction.jobID == jobID
            else { continue }
            do {
                try await stored.delete(message.sequence)
                deleted += 1
            } catch {
                // Deleted meanwhile by another purge of the job is done.
                if try await stored.message(at: message.sequence) != nil { throw error }
            }
        }
        return deleted
    }
}
