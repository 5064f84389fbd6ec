import Foundation
import OCRFleetModel

/// What purging a job removed from the bus.
public struct PurgedRecords: Sendable, Equatable {
    /// Lifecycle events in `OCR_EVENTS`.
    public var events: UInt64 = 0
    public var deadLetters = 0
    public var review = PurgedReview()
    /// Messages of its results kept in `OCR_CACHE` for reuse.
    public var cached: UInt64 = 0

    public init() {}
}

/// Removes what the bus keeps of an ended job (docs/storage.md#purging-a-job), in steps its
/// caller runs in order: `markPurged` (the job's state becomes its tombstone, by
/// compare-and-set, so a retry cannot queue it meanwhile and a late redelivery is settled
/// without running), `purgeRecords` (its events, dead letters, review records and cached
/// results), then
/// `purgeKeys`. Every step can be run again, so a purge cut short is finished by asking again.
public struct JobPurge: Sendable {
    let connection: NATSConnection
    let states: JobStateStore
    let reviews: ReviewStore

    public init(connection: NATSConnection, states: JobStateStore, reviews: ReviewStore) {
        self.connection = connection
        self.states = states
        self.reviews = reviews
    }

    /// Whether the job's terminal event is in `OCR_EVENTS`. The worker that ends a job
    /// records its state first, then its dead letter and event: until the event is there,
    /// the worker (or a redelivery) may still write them.
    public func isEndAnnounced(_ ended: JobState) async throws -> Bool {
        let kind: EventKind
        switch ended.state {
        case .completed: kind = .completed
        case .failed: kind = .failed
        case .cancelled: kind = .cancelled
        case .purged: return true
        case .queued, .running, .retrying: return false
        }
        return try await StoredMessages(connection: connection, stream: StreamNames.events)
            .last(on: Subjects.event(kind, jobID: ended.jobID)) != nil
    }

    /// The job's state replaced by its tombstone; false when it changed since `ended` was read.
    public func markPurged(_ ended: JobStateStore.Record) async throws -> Bool {
        try await states.markPurged(ended)
    }

    /// The job's events, dead letters (among `letters` when the caller read the queue once
    /// for many jobs), review records and cached results.
    public func purgeRecords(jobID: String, letters: [DeadLetterEntry]? = nil) async throws -> PurgedRecords {
        var purged = PurgedRecords()
        purged.events = try await StoredMessages(connection: connection, stream: StreamNames.events)
            .purge(subject: Subjects.events(jobID: jobID))
        let queue = DeadLetterQueue(connection: connection, states: states)
        let candidates = if let letters { letters } else { try await queue.list() }
        purged.deadLetters = try await queue.delete(letters: candidates.filter { $0.event.data.jobID == jobID })
        purged.review = try await reviews.purge(jobID: jobID)
        purged.cached = try await ResultCache(connection: connection).purge(jobID: jobID)
        return purged
    }

    /// The job's other keys in `ocr-jobs`, and with `state` its tombstone as well (the id
    /// is free then).
    public func purgeKeys(jobID: String, state: Bool) async throws {
        try await states.purgeKeys(of: jobID, state: state)
    }
}
