import Foundation
import OCRFleetModel

/// What purging a job removed from the bus.
public struct PurgedRecords: Sendable, Equatable {
    /// Lifecycle events in `OCR_EVENTS`.
    public var events: UInt64 = 0
    public var deadLetters = 0
    public var review = PurgedReview()

    public init() {}
}

/// Removes what the bus keeps of an ended job (docs/storage.md#purging-a-job): its lifecycle
/// events, dead letters and review records, then its keys in `ocr-jobs`. Every step can be run
/// again, so a purge cut short (a process killed, NATS away) is finished by asking again; the
/// job's state goes last, so until then the job is still found.
public struct JobPurge: Sendable {
    let connection: NATSConnection
    let states: JobStateStore
    let reviews: ReviewStore

    public init(connection: NATSConnection, states: JobStateStore, reviews: ReviewStore) {
        self.connection = connection
        self.states = states
        self.reviews = reviews
    }

    /// Everything but the job's keys in `ocr-jobs`.
    public func purgeRecords(jobID: String) async throws -> PurgedRecords {
        var purged = PurgedRecords()
        purged.events = try await StoredMessages(connection: connection, stream: StreamNames.events)
            .purge(subject: Subjects.events(jobID: jobID))
        purged.deadLetters = try await DeadLetterQueue(connection: connection, states: states).delete(lettersOf: jobID)
        purged.review = try await reviews.purge(jobID: jobID)
        return purged
    }

    /// The job's keys in `ocr-jobs`, its state last: call once everything else is gone.
    public func purgeState(jobID: String) async throws {
        try await states.purge(jobID)
    }
}
