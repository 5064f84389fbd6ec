import CNats
import Foundation
import OCRFleetModel

/// The `ocr-jobs` KV bucket: latest state of every job.
///
/// `@unchecked Sendable`: libnats KV handles are thread-safe; the pointer is released only
/// in `deinit`.
public final class JobStateStore: @unchecked Sendable {
    private let kv: OpaquePointer
    private let connection: NATSConnection

    public init(connection: NATSConnection) async throws {
        self.connection = connection
        kv = try await connection.blockingCall {
            var kv: OpaquePointer?
            try check(
                "open KV bucket \(StreamNames.jobStateBucket)",
                js_KeyValue(&kv, connection.jetStream, StreamNames.jobStateBucket)
            )
            return HandleTransfer(raw: kv!)
        }.raw
    }

    deinit { kvStore_Destroy(kv) }

    public func get(_ jobID: String) async throws -> JobState? {
        guard JobRequest.isValidJobID(jobID), let bytes = try await value(of: jobID) else { return nil }
        return try CloudEventCoding.decoder().decode(JobState.self, from: Data(bytes))
    }

    public func put(_ state: JobState) async throws {
        try await store(try [UInt8](CloudEventCoding.encoder().encode(state)), at: state.jobID)
    }

    /// A job's state as stored: its revision, for `replace`, and when the server stored it.
    public struct Record: Sendable {
        public var state: JobState
        public var revision: UInt64
        /// The server's clock, as a stream message's stored time is: the two compare.
        public var storedAt: Date
    }

    /// The job's state with its revision and stored time.
    public func read(_ jobID: String) async throws -> Record? {
        guard JobRequest.isValidJobID(jobID), let entry = try await entry(jobID) else { return nil }
        return Record(
            state: try CloudEventCoding.decoder().decode(JobState.self, from: Data(entry.bytes)),
            revision: entry.revision,
            storedAt: entry.storedAt
        )
    }

    /// What `replace` did.
    public enum Replacement: Sendable, Equatable {
        /// Stored; the state's new revision.
        case stored(revision: UInt64)
        /// Another write came first: the state is no longer at the revision given.
        case superseded
    }

    /// Stores `state` only if the job's state is still at `revision` (nil: the job has no
    /// state yet): a compare-and-set, so two attempts of one job cannot both end it. Only the
    /// stream's "wrong last sequence" answer means another write came first; any other
    /// failure throws (the caller waits it out), unless the key holds exactly these bytes: a
    /// write whose answer was lost counts as stored.
    /// With `rollup`, the write also drops the key's earlier revisions (a purge's tombstone).
    public func replace(_ state: JobState, revision: UInt64?, rollup: Bool = false) async throws -> Replacement {
        let bytes = try [UInt8](CloudEventCoding.encoder().encode(state))
        let key = state.jobID
        guard let revision else {
            // No state yet: the library's create also takes the place of a deleted key.
            let (status, stored) = try await connection.blockingCall { [self] in
                var stored: UInt64 = 0
                let status = bytes.withUnsafeBytes { raw in
                    kvStore_Create(&stored, kv, key, raw.baseAddress, Int32(raw.count))
                }
                return (status, stored)
            }
            if status == NATS_OK { return .stored(revision: stored) }
            guard let (current, revision) = try await latest(key) else {
                throw NATSError("create \(key) in KV", status: status)
            }
            return current == bytes ? .stored(revision: revision) : .superseded
        }
        // A KV update is a publish on the key's subject expecting its last sequence; made
        // here rather than through kvStore_Update, whose status cannot tell a lost race from
        // a lost answer.
        let subject = "$KV.\(StreamNames.jobStateBucket).\(key)"
        let (status, code, stored) = try await connection.blockingCall { [connection] in
            let message = try OutgoingMessage(subject: subject, payload: bytes, headers: rollup ? ["Nats-Rollup": "sub"] : [:])
            var options = jsPubOptions()
            jsPubOptions_Init(&options)
            options.ExpectLastSubjectSeq = revision
            var ack: UnsafeMutablePointer<jsPubAck>?
            var code = jsErrCode(rawValue: 0)
            let status = js_PublishMsg(&ack, connection.jetStream, message.pointer, &options, &code)
            defer { jsPubAck_Destroy(ack) }
            return (status, code, ack?.pointee.Sequence ?? 0)
        }
        if status == NATS_OK { return .stored(revision: stored) }
        let current = try await latest(key)
        if let current, current.0 == bytes { return .stored(revision: current.1) }
        if code == JSStreamWrongLastSequenceErr || current == nil { return .superseded }
        throw NATSError("replace \(key) in KV", status: status, jetStreamCode: code)
    }

    /// Records a submitted job as `queued`, by compare-and-set: a new job, or one submitted
    /// again after it failed or was cancelled. A job submitted again while it is queued or
    /// running, or after it completed, keeps its state (and a completed one is not redone).
    public func recordQueued(_ job: JobRequest) async throws {
        var state = JobState(jobID: job.jobID, state: .queued)
        state.createdAt = Date()
        state.metadata = job.metadata
        var revision: UInt64? = nil
        while true {
            if case .stored = try await replace(state, revision: revision) { return }
            guard let current = try await read(job.jobID) else {
                revision = nil
                continue
            }
            guard current.state.state == .failed || current.state.state == .cancelled else { return }
            revision = current.revision
        }
    }

    /// A submission's hold on a job id: what it asked for (a digest) and since when.
    public struct SubmissionClaim: Sendable {
        public var digest: String
        public var claimedAt: Date
        let revision: UInt64
    }

    public enum ClaimAnswer: Sendable {
        case claimed
        case held(SubmissionClaim)
    }

    /// Claims `jobID` for one submission under `request.<job_id>`, unless a submission holds
    /// it already. The claim carries a token of this call, so a write that landed although
    /// its answer was lost is still known as this call's own.
    public func claim(_ jobID: String, digest: String, now: Date = Date()) async throws -> ClaimAnswer {
        let key = "request.\(jobID)"
        let value = Self.claimValue(digest: digest, now: now)
        let status = try await connection.blockingCall { [self] in
            var revision: UInt64 = 0
            return value.withUnsafeBytes { raw in kvStore_Create(&revision, kv, key, raw.baseAddress, Int32(raw.count)) }
        }
        if status == NATS_OK { return .claimed }
        // Taken, or the bucket could not be written: a claim that is there says which.
        guard let (held, revision) = try await latest(key) else { throw NATSError("claim \(key) in KV", status: status) }
        if held == value { return .claimed }
        let fields = String(decoding: held, as: UTF8.self).split(separator: " ")
        return .held(
            SubmissionClaim(
                digest: fields.first.map(String.init) ?? "",
                claimedAt: Date(timeIntervalSince1970: fields.last.flatMap { Double($0) } ?? 0),
                revision: revision
            )
        )
    }

    /// Takes over `held`, a claim whose submission never recorded a state (its gateway died
    /// between the two): true when this call holds it now, false when another got there first.
    public func takeOver(
        _ jobID: String,
        from held: SubmissionClaim,
        digest: String,
        now: Date = Date()
    ) async throws
        -> Bool
    {
        let key = "request.\(jobID)"
        let value = Self.claimValue(digest: digest, now: now)
        let status = try await connection.blockingCall { [self] in
            var revision: UInt64 = 0
            return value.withUnsafeBytes { raw in
                kvStore_Update(&revision, kv, key, raw.baseAddress, Int32(raw.count), held.revision)
            }
        }
        if status == NATS_OK { return true }
        guard let (current, _) = try await latest(key) else { throw NATSError("take over \(key) in KV", status: status) }
        return current == value
    }

    private static func claimValue(digest: String, now: Date) -> [UInt8] {
        Array("\(digest) \(UUID().uuidString) \(Int(now.timeIntervalSince1970))".utf8)
    }

    /// Forgets a submission that did not become a job: its claim, and what it recorded.
    public func release(_ jobID: String, includingState: Bool) async throws {
        let keys = ["request.\(jobID)"] + (includingState ? [jobID, "callback.\(jobID)", "cancel.\(jobID)"] : [])
        for key in keys {
            try await connection.blockingCall { [self] in try check("delete \(key) from KV", kvStore_Delete(kv, key)) }
        }
    }

    /// Replaces an ended job's state with its tombstone (`purged`), dropping its earlier
    /// revisions, by compare-and-set on the state `ended` was read at: false when the job
    /// changed since (a retry queued it again).
    public func markPurged(_ ended: Record) async throws -> Bool {
        if ended.state.state == .purged { return true }
        var tombstone = JobState(jobID: ended.state.jobID, state: .purged)
        tombstone.finishedAt = Date()
        if case .stored = try await replace(tombstone, revision: ended.revision, rollup: true) { return true }
        return false
    }

    /// Removes the job's other keys (its claim, callback and cancel request) with all their
    /// revisions, and with `state` its state too. Keys that are not there are left alone, so
    /// no marker is written for them.
    public func purgeKeys(of jobID: String, state: Bool) async throws {
        for key in ["request.\(jobID)", "callback.\(jobID)", "cancel.\(jobID)"] + (state ? [jobID] : []) {
            guard try await entry(key) != nil else { continue }
            try await connection.blockingCall { [self] in try check("purge \(key) from KV", kvStore_Purge(kv, key, nil)) }
        }
    }

    /// Jobs whose end (or purge) was stored before `cutoff`, oldest first, at most `limit` of
    /// them: the bucket's stream read from its oldest entry, which is where the least recently
    /// changed keys are, up to the first entry stored after `cutoff`. A job whose state changed
    /// since counts by its latest entry. Also the entries met on the way that only mark a key deleted or
    /// purged, for `forget`: each purge leaves one, and they would pile up where this reads.
    public func ended(before cutoff: Date, limit: Int) async throws -> (jobs: [JobState], markers: [Marker]) {
        let stored = StoredMessages(connection: connection, stream: "KV_\(StreamNames.jobStateBucket)")
        let (first, last, count) = try await stored.bounds()
        guard count > 0, first <= last else { return ([], []) }
        let prefix = "$KV.\(StreamNames.jobStateBucket)."
        var jobs: [JobState] = []
        var markers: [Marker] = []
        var sequence = first
        while sequence <= last, jobs.count < limit {
            defer { sequence += 1 }
            guard let message = try await stored.message(at: sequence) else { continue }
            if let storedAt = message.storedAt, storedAt >= cutoff { break }
            if message.headers["KV-Operation"] != nil {
                markers.append(Marker(sequence: sequence, subject: message.subject))
                continue
            }
            guard message.subject.hasPrefix(prefix) else { continue }
            let key = String(message.subject.dropFirst(prefix.count))
            guard JobRequest.isValidJobID(key), let (bytes, revision) = try await latest(key), revision == sequence,
                let job = try? CloudEventCoding.decoder().decode(JobState.self, from: Data(bytes)),
                job.state.isTerminal
            else { continue }
            jobs.append(job)
        }
        return (jobs, markers)
    }

    /// An entry of the bucket's stream that only marks its key deleted or purged.
    public struct Marker: Sendable, Equatable {
        public var sequence: UInt64
        public var subject: String
    }

    /// Removes the markers `ended` found, each with what its key held up to it: a value
    /// written since (the id submitted again) stays. KV streams refuse deleting a message, not
    /// purging a subject up to a sequence.
    public func forget(_ markers: [Marker]) async throws {
        let stored = StoredMessages(connection: connection, stream: "KV_\(StreamNames.jobStateBucket)")
        for marker in markers { try await stored.purge(subject: marker.subject, before: marker.sequence + 1) }
    }

    /// Records that the job is to be cancelled, under `cancel.<job_id>` beside its state
    /// (the worker running the job writes the state; this key is the requester's).
    public func requestCancel(_ jobID: String) async throws {
        try await store(Array(ISO8601DateFormatter().string(from: Date()).utf8), at: "cancel.\(jobID)")
    }

    public func isCancelRequested(_ jobID: String) async throws -> Bool {
        guard JobRequest.isValidJobID(jobID) else { return false }
        return try await value(of: "cancel.\(jobID)") != nil
    }

    /// Records where the job's terminal event is to be POSTed, under `callback.<job_id>`.
    public func setCallback(_ url: String, for jobID: String) async throws {
        try await store(Array(url.utf8), at: "callback.\(jobID)")
    }

    /// The job's webhook URL, if it has one.
    public func callback(of jobID: String) async throws -> String? {
        guard JobRequest.isValidJobID(jobID), let bytes = try await value(of: "callback.\(jobID)") else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// One page of jobs by their latest update, newest first: the bucket's stream read
    /// backwards from just below `before` (a cursor from an earlier page; nil: from the
    /// newest), each job once at its current state, filtered by `state` and by the start of
    /// its id (`idPrefix`: one tenant's jobs). `next`
    /// continues the listing; nil once the bucket's oldest entry has been read. At most
    /// `scanLimit` entries are read per page, so a rare state cannot make one call read the
    /// whole bucket.
    public func recent(
        state: JobState.Phase? = nil,
        idPrefix: String? = nil,
        limit: Int,
        before: UInt64? = nil,
        scanLimit: Int = 10_000
    ) async throws -> (jobs: [JobState], next: UInt64?) {
        let stored = StoredMessages(connection: connection, stream: "KV_\(StreamNames.jobStateBucket)")
        let (first, last, count) = try await stored.bounds()
        guard count > 0 else { return ([], nil) }
        var sequence = min(before.map { $0 &- 1 } ?? last, last)
        let prefix = "$KV.\(StreamNames.jobStateBucket)."
        var jobs: [JobState] = []
        var scanned = 0
        while sequence >= first, sequence > 0, jobs.count < limit, scanned < scanLimit {
            defer { sequence -= 1 }
            scanned += 1
            guard let message = try await stored.message(at: sequence), message.subject.hasPrefix(prefix) else { continue }
            let key = String(message.subject.dropFirst(prefix.count))
            // Older revisions of a key, deleted keys, cancel markers and callbacks are not jobs to list.
            guard JobRequest.isValidJobID(key), idPrefix.map(key.hasPrefix) ?? true, let (bytes, revision) = try await latest(key),
                revision == sequence,
                let job = try? CloudEventCoding.decoder().decode(JobState.self, from: Data(bytes))
            else { continue }
            // A purged job's tombstone is not listed.
            if job.state == .purged { continue }
            if let state, job.state != state { continue }
            jobs.append(job)
        }
        return (jobs, sequence >= first && sequence > 0 ? sequence + 1 : nil)
    }

    /// A key's current value and its revision (its sequence in the bucket's stream).
    private func latest(_ key: String) async throws -> ([UInt8], UInt64)? {
        try await entry(key).map { ($0.bytes, $0.revision) }
    }

    private func entry(_ key: String) async throws -> (bytes: [UInt8], revision: UInt64, storedAt: Date)? {
        try await connection.blockingCall { [self] in
            var entry: OpaquePointer?
            let status = kvStore_Get(&entry, kv, key)
            if status == NATS_NOT_FOUND { return nil }
            try check("get \(key) from KV", status)
            defer { kvEntry_Destroy(entry) }
            let length = Int(kvEntry_ValueLen(entry))
            guard length > 0, let value = kvEntry_Value(entry) else { return nil }
            return (
                Array(UnsafeRawBufferPointer(start: value, count: length)), kvEntry_Revision(entry),
                Date(timeIntervalSince1970: Double(kvEntry_Created(entry)) / 1e9)
            )
        }
    }

    private func value(of key: String) async throws -> [UInt8]? { try await latest(key)?.0 }

    private func store(_ bytes: [UInt8], at key: String) async throws {
        try await connection.blockingCall { [self] in
            var revision: UInt64 = 0
            let status = bytes.withUnsafeBytes { raw in
                kvStore_Put(&revision, kv, key, raw.baseAddress, Int32(raw.count))
            }
            try check("put \(key) in KV", status)
        }
    }
}
