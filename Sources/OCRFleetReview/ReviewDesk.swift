import Crypto
import Foundation
import OCRFleetBus
import OCRFleetMetrics
import OCRFleetModel

/// Where reviewers' claims and decisions go through (the gateway runs it): claims and
/// releases as the store makes them, decisions checked against the field's schema first, and
/// when a job's last open item is decided, its next `extraction.json` version stored and the
/// `reviewed` event published once (docs/review.md).
public struct ReviewDesk: Sendable {
    /// A reviewed version to store: the closure returns where it went, without query string.
    public struct Version: Sendable {
        public var jobID: String
        public var tenant: String
        public var version: Int
        public var bytes: [UInt8]
    }

    /// What a decision did.
    public struct Outcome: Sendable {
        public var item: ReviewItem
        public var reviewCase: ReviewCase
        /// Present when this decision finished the job's review.
        public var reviewed: JobReviewed?
    }

    public let store: ReviewStore
    let storeVersion: @Sendable (Version) async throws -> String
    /// The `reviewed` event's CloudEvent `source` and `worker`.
    let source: String
    let name: String

    public init(
        store: ReviewStore,
        source: String,
        name: String,
        storeVersion: @escaping @Sendable (Version) async throws -> String
    ) {
        self.store = store
        self.source = source
        self.name = name
        self.storeVersion = storeVersion
    }

    public func claimNext(tenant: String, reviewer: String, now: Date = Date()) async throws -> ReviewItem? {
        try await store.claim(tenant: tenant, reviewer: reviewer, now: now)
    }

    public func claim(id: String, tenant: String, reviewer: String, now: Date = Date()) async throws -> ReviewItem {
        try await store.claim(id: id, tenant: tenant, reviewer: reviewer, now: now)
    }

    public func release(id: String, tenant: String, reviewer: String, now: Date = Date()) async throws {
        try await store.release(id: id, tenant: tenant, reviewer: reviewer, now: now)
    }

    /// Decides an item `reviewer` holds. A corrected value must validate against the field's
    /// part of the job's schema (`ReviewStoreError.invalid` says why not). The decision that
    /// leaves the case without open items finishes it.
    public func decide(
        id: String,
        tenant: String,
        reviewer: String,
        action: ReviewDecision.Action,
        value: JSONValue? = nil,
        note: String? = nil,
        now: Date = Date()
    ) async throws -> Outcome {
        guard let item = try await store.item(id, tenant: tenant) else { throw ReviewStoreError.notFound }
        if let note, note.unicodeScalars.count > 2000 { throw ReviewStoreError.invalid("a note is at most 2000 characters") }
        if action == .correct {
            guard let value else { throw ReviewStoreError.invalid("a correction needs the corrected value") }
            try await check(value, of: item)
        }
        let decision = ReviewDecision(action: action, value: action == .correct ? value : nil, note: note, reviewer: reviewer, at: now)
        let reviewCase = try await store.decide(id: id, tenant: tenant, decision: decision)
        let decided = try await store.item(id) ?? item
        if !item.state.isDecided {
            FleetMetrics.reviewDecided(
                label: item.label ?? "none",
                field: item.metricsField,
                action: action.rawValue,
                waited: .milliseconds(max(0, Int(now.timeIntervalSince(item.createdAt) * 1000)))
            )
        }
        var reviewed: JobReviewed?
        if reviewCase.isReadyToFinish { reviewed = try await finishIfCompleted(reviewCase, now: now) }
        return Outcome(item: decided, reviewCase: try await store.caseOf(jobID: item.jobID) ?? reviewCase, reviewed: reviewed)
    }

    /// Finishes a case whose items are all decided but whose version was not announced (its
    /// finisher stopped half-way); nil when there is nothing to finish.
    public func finishPending(jobID: String, now: Date = Date()) async throws -> JobReviewed? {
        guard let reviewCase = try await store.caseOf(jobID: jobID), reviewCase.reviewedAt == nil else {
            // Gone, or announced already: the mark has nothing left to find.
            try await store.abandon(jobID: jobID)
            return nil
        }
        // Not ready yet (the mark went in before the last decision's CAS): the next sweep looks again.
        guard reviewCase.isReadyToFinish else { return nil }
        return try await finishIfCompleted(reviewCase, now: now)
    }

    /// Finishes the case once its job's `completed` event is published: the worker queues
    /// items before it uploads, and writes the `completed` state before it publishes the
    /// event, and `reviewed` must come after that event, never after a `failed` one. A job
    /// still running (or completed but not announced yet) is left for the sweep. A case whose
    /// job failed for good or was cancelled leaves the sweep's list; a retry of that job that
    /// completes puts it back (ReviewStore.markReady).
    func finishIfCompleted(_ reviewCase: ReviewCase, now: Date) async throws -> JobReviewed? {
        let states = try await JobStateStore(connection: store.connection)
        // A job state gone (expired) leaves only the case to go by.
        if let state = try await states.get(reviewCase.jobID) {
            guard state.state == .completed else {
                if state.state.isTerminal { try await store.abandon(jobID: reviewCase.jobID) }
                return nil
            }
            let events = StoredMessages(connection: store.connection, stream: StreamNames.events)
            let announced = try await events.last(on: Subjects.event(.completed, jobID: reviewCase.jobID)) != nil
            // The events stream keeps a week: an older completion's event may be gone.
            guard announced || now.timeIntervalSince(state.updatedAt) > Self.eventsKept else { return nil }
        }
        return try await finish(reviewCase, now: now)
    }

    /// How long `OCR_EVENTS` keeps events (docs/events.md).
    static let eventsKept: TimeInterval = 7 * 24 * 3600

    /// The gateway's sweep: settles the lanes where items were decided after a claim by id
    /// (`ReviewStore.settleLane`), then finishes every case marked ready, left decided but
    /// unannounced or decided before its job completed. The jobs finished, and what failed
    /// with why, to be tried at the next sweep.
    public func finishEveryPending(now: Date = Date()) async throws -> (finished: [String], failed: [(jobID: String, error: any Error)]) {
        var finished: [String] = []
        var failed: [(jobID: String, error: any Error)] = []
        // One listing that fails leaves the other's work to do.
        do {
            for tenant in try await store.lanesToSettle() {
                do { try await store.settleLane(tenant: tenant) } catch { failed.append(("lane \(tenant)", error)) }
            }
        } catch {
            failed.append(("the lanes to settle", error))
        }
        let ready: [String]
        do { ready = try await store.readyJobIDs() } catch { return (finished, failed + [("the ready reviews", error)]) }
        for jobID in ready {
            do {
                if try await finishPending(jobID: jobID, now: now) != nil { finished.append(jobID) }
            } catch {
                failed.append((jobID, error))
            }
        }
        return (finished, failed)
    }

    /// Builds, stores and announces version N+1. Repeating it (a retried decision, two
    /// finishers, the sweep after a finisher that stopped half-way) stores the same bytes at
    /// the same key, and publishes the event only when the events stream does not hold it
    /// already; two at the same time publish the same event id under the same `Nats-Msg-Id`,
    /// which the stream drops.
    func finish(_ reviewCase: ReviewCase, now: Date) async throws -> JobReviewed {
        guard let bytes = try await store.document(jobID: reviewCase.jobID) else {
            throw ReviewStoreError.invalid("job \(reviewCase.jobID)'s extraction document is missing")
        }
        let document = try CloudEventCoding.decoder().decode(ExtractionDocument.self, from: Data(bytes))
        var items: [ReviewItem] = []
        for id in reviewCase.itemIDs {
            if let item = try await store.item(id) { items.append(item) }
        }
        let version = reviewCase.version + 1
        let encoder = CloudEventCoding.encoder()
        let reviewed = Array(try encoder.encode(ReviewedVersion.apply(items, to: document)))
        let url = try await storeVersion(Version(jobID: reviewCase.jobID, tenant: reviewCase.tenant, version: version, bytes: reviewed))
        let count = { (state: ReviewItemState) in items.filter { $0.state == state }.count }
        let body = JobReviewed(
            version: version,
            items: items.count,
            confirmed: count(.confirmed),
            corrected: count(.corrected),
            rejected: count(.rejected),
            extraction: ResultSummary(
                url: String(url.prefix { $0 != "?" }),
                bytes: reviewed.count,
                sha256: SHA256.hash(data: Data(reviewed)).map { String(format: "%02x", $0) }.joined()
            )
        )
        let event = LifecycleEvent.lifecycle(
            LifecycleData(header: EventHeader(jobID: reviewCase.jobID, attempt: reviewCase.attempt, worker: name), body: .reviewed(body)),
            source: source
        )
        let subject = Subjects.event(.reviewed, jobID: reviewCase.jobID)
        if try await !isAnnounced(version: version, on: subject) {
            try await store.connection.publish(
                subject,
                payload: Array(try encoder.encode(event)),
                headers: ["Content-Type": CloudEventCoding.contentType],
                messageID: JobReviewed.messageID(jobID: reviewCase.jobID, version: version)
            )
        }
        _ = try await store.markReviewed(jobID: reviewCase.jobID, fromVersion: reviewCase.version, at: now)
        return body
    }

    /// Whether the events stream's newest `reviewed` event of the job is of `version`: the
    /// stream's duplicate window (two minutes) does not cover a finisher that stopped after
    /// publishing and is repeated later.
    func isAnnounced(version: Int, on subject: String) async throws -> Bool {
        let events = StoredMessages(connection: store.connection, stream: StreamNames.events)
        guard let last = try await events.last(on: subject),
            case .reviewed(let announced) = try? LifecycleEvent.decode(last.payload).data.body
        else { return false }
        return announced.version >= version
    }

    /// Refuses a corrected value the job's schema would refuse at the item's place: the
    /// values with the correction in place are validated, and violations at or under the
    /// field's pointer count.
    func check(_ value: JSONValue, of item: ReviewItem) async throws {
        guard item.kind == .field, let pointer = item.pointer else {
            throw ReviewStoreError.invalid("only a field's value can be corrected")
        }
        guard let reviewCase = try await store.caseOf(jobID: item.jobID), let schemaValue = reviewCase.schema else { return }
        let schema: JSONSchema
        do { schema = try JSONSchema(schemaValue) } catch { return }
        var values: JSONValue = .object([:])
        if let bytes = try await store.document(jobID: item.jobID),
            let document = try? CloudEventCoding.decoder().decode(ExtractionDocument.self, from: Data(bytes))
        {
            let extraction = item.section.flatMap { document.sections?[safe: $0]?.extraction } ?? document.extraction
            values = extraction?.values ?? values
        }
        let violations = schema.validate(values.setting(pointer, to: value)).filter {
            $0.pointer == pointer || $0.pointer.hasPrefix(pointer + "/")
        }
        if let first = violations.first {
            throw ReviewStoreError.invalid("the corrected value at \(pointer) \(first.message)")
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
