import Foundation

/// A job's review as a whole, stored under `job.<job_id>` in the `ocr-reviews` bucket: its
/// items, which of them are decided, and the newest version of its `extraction.json`.
/// Compare-and-set on it decides who finishes the review (docs/review.md#versions).
public struct ReviewCase: Codable, Sendable, Equatable {
    public var jobID: String
    public var tenant: String
    /// The document's label, when classified.
    public var label: String?
    /// The attempt that wrote the case (the `reviewed` event names it).
    public var attempt: Int
    /// Every item's id, in document order.
    public var itemIDs: [String]
    /// The items decided so far (a set: deciding is idempotent).
    public var decided: [String]
    /// The newest version of `extraction.json`: 1 as the worker wrote it, N+1 after a review.
    public var version: Int
    public var needsReview: Bool
    /// `options.extract.schema`: a correction must validate against its field's part of it.
    public var schema: JSONValue?
    /// The extraction document's pieces under `doc.<job_id>.<k>`.
    public var documentPieces: Int
    public var documentBytes: Int
    public var createdAt: Date
    /// When the last decision's new version was stored and `reviewed` announced.
    public var reviewedAt: Date?

    public init(
        jobID: String,
        tenant: String,
        label: String? = nil,
        attempt: Int = 1,
        itemIDs: [String],
        decided: [String] = [],
        version: Int = 1,
        needsReview: Bool? = nil,
        schema: JSONValue? = nil,
        documentPieces: Int = 0,
        documentBytes: Int = 0,
        createdAt: Date,
        reviewedAt: Date? = nil
    ) {
        self.jobID = jobID
        self.tenant = tenant
        self.label = label
        self.attempt = attempt
        self.itemIDs = itemIDs
        self.decided = decided
        self.version = version
        self.needsReview = needsReview ?? !itemIDs.isEmpty
        self.schema = schema
        self.documentPieces = documentPieces
        self.documentBytes = documentBytes
        self.createdAt = createdAt
        self.reviewedAt = reviewedAt
    }

    /// Items not decided yet.
    public var open: Int { itemIDs.count - Set(decided).intersection(itemIDs).count }

    /// Every item is decided and the reviewed version is not yet announced.
    public var isReadyToFinish: Bool { needsReview && open == 0 && reviewedAt == nil }

    enum CodingKeys: String, CodingKey {
        case tenant, label, attempt, decided, version, schema, open
        case jobID = "job_id"
        case itemIDs = "item_ids"
        case needsReview = "needs_review"
        case documentPieces = "document_pieces"
        case documentBytes = "document_bytes"
        case createdAt = "created_at"
        case reviewedAt = "reviewed_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        jobID = try c.decode(String.self, forKey: .jobID)
        tenant = try c.decode(String.self, forKey: .tenant)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        attempt = try c.decodeIfPresent(Int.self, forKey: .attempt) ?? 1
        itemIDs = try c.decode([String].self, forKey: .itemIDs)
        decided = try c.decodeIfPresent([String].self, forKey: .decided) ?? []
        version = try c.decodeIfPresent(Int.self, forKey: .version) ?? 1
        needsReview = try c.decodeIfPresent(Bool.self, forKey: .needsReview) ?? !itemIDs.isEmpty
        schema = try c.decodeIfPresent(JSONValue.self, forKey: .schema)
        documentPieces = try c.decodeIfPresent(Int.self, forKey: .documentPieces) ?? 0
        documentBytes = try c.decodeIfPresent(Int.self, forKey: .documentBytes) ?? 0
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        reviewedAt = try c.decodeIfPresent(Date.self, forKey: .reviewedAt)
    }

    /// `open` is written for readers; it is derived from `item_ids` and `decided` on reading.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(jobID, forKey: .jobID)
        try c.encode(tenant, forKey: .tenant)
        try c.encode(label, forKey: .label)
        try c.encode(attempt, forKey: .attempt)
        try c.encode(itemIDs, forKey: .itemIDs)
        try c.encode(decided, forKey: .decided)
        try c.encode(open, forKey: .open)
        try c.encode(version, forKey: .version)
        try c.encode(needsReview, forKey: .needsReview)
        try c.encodeIfPresent(schema, forKey: .schema)
        try c.encode(documentPieces, forKey: .documentPieces)
        try c.encode(documentBytes, forKey: .documentBytes)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encodeIfPresent(reviewedAt, forKey: .reviewedAt)
    }
}
