import Foundation
import OCRFleetModel

/// One dead letter kept in `OCR_DLQ`.
public struct DeadLetterEntry: Sendable {
    public var sequence: UInt64
    public var event: CloudEvent<DeadLetter>
}

/// The dead letters in `OCR_DLQ`: listed, looked up, replayed as new jobs, purged.
public struct DeadLetterQueue: Sendable {
    let connection: NATSConnection
    let stored: StoredMessages
    let states: JobStateStore

    public init(connection: NATSConnection, states: JobStateStore) {
        self.connection = connection
        stored = StoredMessages(connection: connection, stream: StreamNames.deadLetters)
        self.states = states
    }

    /// Every dead letter, oldest first. Anything on `ocr.dlq` that is not one is skipped.
    public func list() async throws -> [DeadLetterEntry] {
        try await stored.all().compactMap { message in
            guard let event = try? CloudEventCoding.decoder().decode(CloudEvent<DeadLetter>.self, from: Data(message.payload))
            else { return nil }
            return DeadLetterEntry(sequence: message.sequence, event: event)
        }
    }

    /// The newest dead letter of job `id`, or the one at sequence `id`.
    public func find(_ id: String) async throws -> DeadLetterEntry? {
        let entries = try await list()
        return entries.last { $0.event.data.jobID == id } ?? UInt64(id).flatMap { sequence in
            entries.first { $0.sequence == sequence }
        }
    }

    /// Publishes the original job again with a new CloudEvent `id` (so the duplicate window
    /// does not drop it), sets its state back to `queued` and removes the dead letter.
    /// Returns the new event id.
    @discardableResult
    public func replay(_ entry: DeadLetterEntry) async throws -> String {
        guard case .object(var job) = entry.event.data.original else {
            throw OCRError(.invalidJob, "dead letter \(entry.sequence) holds no JSON job (the original was not JSON); it is kept")
        }
        let id = UUID().uuidString.lowercased()
        job["id"] = .string(id)
        let payload = try [UInt8](CloudEventCoding.encoder().encode(JSONValue.object(job)))
        // The state first: a worker that gets the job while its state still says failed would
        // take it for ended. The replayed job starts with a fresh budget of failures.
        if let jobID = entry.event.data.jobID {
            var state = try await states.get(jobID) ?? JobState(jobID: jobID, state: .queued)
            state.state = .queued
            state.error = nil
            state.finishedAt = nil
            state.failedAttempts = nil
            state.completion = nil
            state.updatedAt = Date()
            try await states.put(state)
        }
        try await connection.publish(
            Subjects.jobs, payload: payload, headers: ["Content-Type": CloudEventCoding.contentType], messageID: id)
        try await stored.delete(entry.sequence)
        return id
    }

    public func purge() async throws { try await stored.purge() }
}
