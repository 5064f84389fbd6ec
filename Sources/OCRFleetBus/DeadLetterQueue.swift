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
        try await stored.all().compactMap(Self.entry)
    }

    /// The newest dead letter of job `id`, or the one at sequence `id`. Letters are read
    /// newest first, so a recent failure's is found without reading the whole stream.
    public func find(_ id: String) async throws -> DeadLetterEntry? {
        let (first, last, count) = try await stored.bounds()
        if count > 0, first <= last {
            for sequence in stride(from: last, through: first, by: -1) {
                if let entry = try await entry(at: sequence), entry.event.data.jobID == id { return entry }
            }
        }
        guard let sequence = UInt64(id) else { return nil }
        return try await entry(at: sequence)
    }

    /// Deletes `letters`; one already gone (deleted by another, or aged out) is no error.
    /// Returns how many were deleted here.
    public func delete(letters: [DeadLetterEntry]) async throws -> Int {
        var deleted = 0
        for entry in letters {
            do {
                try await stored.delete(entry.sequence)
                deleted += 1
            } catch {
                if try await stored.message(at: entry.sequence) != nil { throw error }
            }
        }
        return deleted
    }

    private func entry(at sequence: UInt64) async throws -> DeadLetterEntry? {
        try await stored.message(at: sequence).flatMap(Self.entry)
    }

    private static func entry(_ message: StoredMessage) -> DeadLetterEntry? {
        guard let event = try? CloudEventCoding.decoder().decode(CloudEvent<DeadLetter>.self, from: Data(message.payload))
        else { return nil }
        return DeadLetterEntry(sequence: message.sequence, event: event)
    }

    /// Publishes the original job again with a new CloudEvent `id` (so the duplicate window
    /// does not drop it), with `urls` in place of the job's own (fresh presigned URLs), sets
    /// its state back to `queued` and removes the dead letter. Returns the new event id.
    ///
    /// The state goes from `failed` (or none) to `queued` by compare-and-set before the job is
    /// published: of two replays of one letter only one publishes, and the other is refused
    /// with `ReplayRefusal.jobNotFailed`, as is a letter whose job was submitted again since.
    @discardableResult
    /// The job waits in `lane` when one is given (an operator's bulk replay: batch), else in
    /// its own, else in batch.
    public func replay(
        _ entry: DeadLetterEntry,
        replacingURLs urls: [JobURLField: String] = [:],
        lane: JobPriority? = nil
    ) async throws -> String {
        guard var event = entry.event.data.original(replacingURLs: urls) else {
            throw ReplayRefusal.notAJob(sequence: entry.sequence)
        }
        let id = UUID().uuidString.lowercased()
        event["id"] = .string(id)
        let route = Self.route(replaying: &event, lane: lane)
        let payload = try [UInt8](CloudEventCoding.encoder().encode(JSONValue.object(event)))
        // The state first: a worker that gets the job while its state still says failed would
        // take it for ended. The replayed job starts with a fresh budget of failures.
        var requeued: (failed: JobState, revision: UInt64)?
        if let jobID = entry.event.data.jobID { requeued = try await requeue(jobID, letter: entry.event.data) }
        do {
            try await connection.publish(
                route.subject(tenant: Self.tenant(of: event)),
                payload: payload,
                headers: ["Content-Type": CloudEventCoding.contentType],
                messageID: id
            )
        } catch {
            // Failed again, so that the replay can be asked for again; unless a worker has
            // written the state since (then the publish landed after all).
            if let requeued { _ = try? await states.replace(requeued.failed, revision: requeued.revision) }
            throw error
        }
        try await stored.delete(entry.sequence)
        return id
    }

    /// The job's tenant (`metadata.tenant`, when it is a tenant's name), whose own route the
    /// replay waits on, within its share (docs/lanes.md#fair-share).
    static func tenant(of event: [String: JSONValue]) -> String? {
        guard case .object(let job)? = event["data"], case .object(let metadata)? = job["metadata"],
            case .string(let tenant)? = metadata["tenant"], ReviewItem.isValidTenant(tenant)
        else { return nil }
        return tenant
    }

    /// The replay's route, with its lane put in the job's options (so a worker that hands it
    /// to the GPU route keeps it in that lane): `lane`, else the job's own, else batch.
    static func route(replaying event: inout [String: JSONValue], lane: JobPriority?) -> JobRoute {
        guard case .object(var job)? = event["data"] else { return JobRoute(lane: lane ?? .batch, needsGPU: false) }
        var options: [String: JSONValue]
        switch job["options"] {
        case .object(let given)?: options = given
        case nil, .null?: options = [:]
        // Not options at all: the job fails as it did.
        default: return JobRoute(lane: lane ?? .batch, needsGPU: false)
        }
        let own: JobPriority?
        if case .string(let name)? = options["priority"] { own = JobPriority(rawValue: name) } else { own = nil }
        let chosen = lane ?? own ?? .batch
        // A lane the job named wrongly is left for the worker to refuse, as it did.
        if lane != nil || options["priority"] == nil || options["priority"] == .null {
            options["priority"] = .string(chosen.rawValue)
        }
        job["options"] = .object(options)
        event["data"] = .object(job)
        return JobRoute(lane: chosen, needsGPU: options["engine"] == .string(EngineChoice.deepseek.rawValue))
    }

    /// Sets the job's state from `failed` (or none) to `queued`; returns the failed state (the
    /// letter's failure when the job had none) and the queued state's revision, to put it
    /// back if the publish fails.
    private func requeue(_ jobID: String, letter: DeadLetter) async throws -> (failed: JobState, revision: UInt64) {
        let current = try await states.read(jobID)
        if let current, current.state.state != .failed {
            throw ReplayRefusal.jobNotFailed(jobID: jobID, state: current.state.state)
        }
        var failed = current?.state ?? JobState(jobID: jobID, state: .failed)
        if current == nil { failed.error = letter.error }
        var state = failed
        state.state = .queued
        state.error = nil
        state.finishedAt = nil
        state.failedAttempts = nil
        state.completion = nil
        state.updatedAt = Date()
        switch try await states.replace(state, revision: current?.revision) {
        case .stored(let revision):
            return (failed, revision)
        case .superseded:
            let now = try await states.get(jobID)?.state ?? .queued
            throw ReplayRefusal.jobNotFailed(jobID: jobID, state: now)
        }
    }

    public func purge() async throws { try await stored.purge() }
}
