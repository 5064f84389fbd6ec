import CNats
import Foundation
import OCRFleetModel
import Synchronization

/// Review items, cases and their documents on JetStream and KV (docs/review.md): a
/// work-queue lane per tenant hands items to reviewers, KV compare-and-set on each item makes
/// a claim or decision take effect once, and the audit and correction streams keep what
/// reviewers did.
///
/// A claim holds the item's queue message unacknowledged; its lease is the consumer's ack
/// wait, so an abandoned item is delivered again when the lease runs out. The message's
/// reply subject is kept with the claim (`ReviewClaim.delivery`), so whichever process hears
/// the decision acknowledges it.
public final class ReviewStore: Sendable {
    public let connection: NATSConnection
    /// How long a claim holds an item.
    public let lease: Duration
    let bucket: ReviewBucket
    let cropBucket: ReviewBucket
    /// Tenants whose consumer this process has made or checked.
    private let lanes = Mutex<Set<String>>([])
    private let topology: ReviewTopology

    /// Opens the buckets; `ReviewTopology.ensure` (or `ensureTopology`) makes them first.
    public init(connection: NATSConnection, lease: Duration = .seconds(600), replicas: Int = 1) async throws {
        self.connection = connection
        self.lease = lease
        topology = ReviewTopology(replicas: replicas)
        bucket = try await ReviewBucket(connection: connection, name: StreamNames.reviewBucket)
        cropBucket = try await ReviewBucket(connection: connection, name: StreamNames.reviewCropBucket)
    }

    /// Makes the streams and buckets, then opens the store.
    public static func ensureTopology(
        on connection: NATSConnection,
        lease: Duration = .seconds(600),
        replicas: Int = 1
    ) async throws -> ReviewStore {
        try await ReviewTopology(replicas: replicas).ensure(on: connection)
        return try await ReviewStore(connection: connection, lease: lease, replicas: replicas)
    }

    /// Brings the streams and buckets up to date (after a change of replicas).
    public func ensureTopology(replicas: Int) async throws {
        try await ReviewTopology(replicas: replicas).ensure(on: connection)
    }

    // MARK: Opening a case

    /// Stores a job's document pieces, crops, items and case, then queues the items that are
    /// not decided yet. Safe to repeat (a retried attempt): items someone claimed or decided
    /// keep their state, the case keeps its decisions and version, and each queue message
    /// has the `Nats-Msg-Id` `review-<item id>`.
    public func open(case reviewCase: ReviewCase, items: [ReviewItem], document: [UInt8], crops: [String: [UInt8]]) async throws {
        guard ReviewItem.isValidTenant(reviewCase.tenant) else {
            throw ReviewStoreError.invalid("tenant '\(reviewCase.tenant)' is not 1-40 of A-Z a-z 0-9 - _")
        }
        guard JobRequest.isValidJobID(reviewCase.jobID) else { throw ReviewStoreError.invalid("job id '\(reviewCase.jobID)'") }
        for item in items {
            guard item.jobID == reviewCase.jobID, item.tenant == reviewCase.tenant, Self.isValidItemID(item.id) else {
                throw ReviewStoreError.invalid("item '\(item.id)' is not one of job \(reviewCase.jobID)'s (tenant \(reviewCase.tenant))")
            }
        }
        for (id, png) in crops where png.count > ReviewTopology.maxValueBytes || !Self.isValidItemID(id) {
            throw ReviewStoreError.invalid("the crop of \(id) is \(png.count) bytes, over \(ReviewTopology.maxValueBytes)")
        }
        let pieces = stride(from: 0, to: document.count, by: ReviewTopology.maxValueBytes).map {
            Array(document[$0..<min($0 + ReviewTopology.maxValueBytes, document.count)])
        }
        for (index, piece) in pieces.enumerated() {
            try await bucket.put(Self.documentKey(jobID: reviewCase.jobID, piece: index), piece)
        }
        for (id, png) in crops { try await cropBucket.put(id, png) }
        var queued: [ReviewItem] = []
        for item in items {
            let key = Self.itemKey(item.id)
            let bytes = Array(try CloudEventCoding.encoder().encode(item))
            if try await bucket.create(key, bytes) {
                queued.append(item)
                continue
            }
            // Stored before: an open one takes this attempt's content, a claimed or decided one stays.
            let stored = try await bucket.modify(key, as: ReviewItem.self) { current in
                guard current.state == .open, current != item else { return nil }
                return item
            }
            if let stored, !stored.state.isDecided { queued.append(stored) }
        }
        var fresh = reviewCase
        fresh.documentPieces = pieces.count
        fresh.documentBytes = document.count
        fresh.needsReview = !reviewCase.itemIDs.isEmpty
        let caseKey = Self.caseKey(reviewCase.jobID)
        if try await !bucket.create(caseKey, Array(try CloudEventCoding.encoder().encode(fresh))) {
            _ = try await bucket.modify(caseKey, as: ReviewCase.self) { current in
                var next = fresh
                next.decided = current.decided
                next.version = current.version
                next.reviewedAt = current.reviewedAt
                next.createdAt = current.createdAt
                return next == current ? nil : next
            }
        }
        try await queue(queued)
    }

    /// Queues each item not decided yet on its tenant's lane, again for a retried attempt
    /// (an earlier one may have stopped before its messages went out); the message id makes
    /// the stream drop a repeat within its window, and the claim rules make a later one
    /// harmless.
    public func queue(_ items: [ReviewItem]) async throws {
        for item in items where !item.state.isDecided {
            try await connection.publish(
                Subjects.reviews(tenant: item.tenant),
                payload: Array(item.id.utf8),
                messageID: "review-\(item.id)"
            )
        }
    }

    // MARK: Reading

    public func item(_ id: String) async throws -> ReviewItem? {
        guard Self.isValidItemID(id) else { return nil }
        return try await bucket.value(Self.itemKey(id), as: ReviewItem.self)?.value
    }

    /// The item, when it is `tenant`'s.
    public func item(_ id: String, tenant: String) async throws -> ReviewItem? {
        try await item(id).flatMap { $0.tenant == tenant ? $0 : nil }
    }

    public func crop(_ id: String) async throws -> [UInt8]? {
        guard Self.isValidItemID(id) else { return nil }
        return try await cropBucket.get(id)?.bytes
    }

    public func caseOf(jobID: String) async throws -> ReviewCase? {
        guard JobRequest.isValidJobID(jobID) else { return nil }
        return try await bucket.value(Self.caseKey(jobID), as: ReviewCase.self)?.value
    }

    /// The job ids of the cases marked ready to finish (`ready.<job_id>`: every item
    /// decided, the version not yet announced), for the sweep: it costs what waits, not what
    /// the bucket holds.
    public func readyJobIDs() async throws -> [String] {
        try await bucket.keys(prefix: "ready.").map { String($0.dropFirst(6)) }.sorted()
    }

    /// The extraction document as the worker stored it, from its pieces.
    public func document(jobID: String) async throws -> [UInt8]? {
        guard let reviewCase = try await caseOf(jobID: jobID) else { return nil }
        var document: [UInt8] = []
        document.reserveCapacity(reviewCase.documentBytes)
        for index in 0..<reviewCase.documentPieces {
            guard let piece = try await bucket.get(Self.documentKey(jobID: jobID, piece: index)) else { return nil }
            document += piece.bytes
        }
        return document
    }

    /// One page of a tenant's items in id order, after the id `after`. `state` filters: an
    /// item whose claim ran out by `now` counts as `open`, not `claimed`. Lists every item key
    /// (of every tenant), so it costs what the bucket's items are.
    public func items(
        tenant: String,
        state: ReviewItemState? = nil,
        limit: Int = 50,
        after: String? = nil,
        now: Date = Date()
    ) async throws -> [ReviewItem] {
        guard ReviewItem.isValidTenant(tenant), limit > 0 else { return [] }
        let keys = try await bucket.keys(prefix: "item.").map { String($0.dropFirst(5)) }
            .filter { id in after.map { id > $0 } ?? true }.sorted()
        var page: [ReviewItem] = []
        for id in keys {
            guard let item = try await item(id), item.tenant == tenant else { continue }
            if let state, Self.effectiveState(of: item, now: now) != state { continue }
            page.append(item)
            if page.count == limit { break }
        }
        return page
    }

    /// The state a reader sees: a claim whose lease ran out leaves the item open.
    public static func effectiveState(of item: ReviewItem, now: Date) -> ReviewItemState {
        if item.state == .claimed, let claim = item.claim, claim.until <= now { return .open }
        return item.state
    }

    // MARK: Keys

    static func itemKey(_ id: String) -> String { "item.\(id)" }
    static func caseKey(_ jobID: String) -> String { "job.\(jobID)" }
    static func documentKey(jobID: String, piece: Int) -> String { "doc.\(jobID).\(piece)" }
    static func readyKey(_ jobID: String) -> String { "ready.\(jobID)" }
    static func settleKey(_ tenant: String) -> String { "settle.\(tenant)" }

    /// `<job_id>.<n>`: a KV key token and message id.
    static func isValidItemID(_ id: String) -> Bool {
        guard let dot = id.lastIndex(of: "."), let number = Int(id[id.index(after: dot)...]), number > 0 else { return false }
        return JobRequest.isValidJobID(String(id[..<dot]))
    }

    /// Makes the tenant's consumer once per process.
    func ensureLane(_ tenant: String) async throws {
        guard !lanes.withLock({ $0.contains(tenant) }) else { return }
        try await topology.ensureConsumer(tenant: tenant, lease: lease, on: connection)
        lanes.withLock { _ = $0.insert(tenant) }
    }
}
