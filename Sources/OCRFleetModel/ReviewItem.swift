import Foundation

/// One field or page that waits for (or had) a person's decision, stored under
/// `item.<id>` in the `ocr-reviews` bucket (docs/review.md).
public struct ReviewItem: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case field, page
    }

    /// The most characters of markdown `context` holds.
    public static let maxContextLength = 600

    /// `<job_id>.<n>`, n from 1 in document order.
    public var id: String
    public var jobID: String
    /// The job's `metadata.tenant`, or `default`.
    public var tenant: String
    /// The document's (or, with `extract_each`, the section's) label.
    public var label: String?
    /// The section's index with `extract_each`.
    public var section: Int?
    public var kind: Kind
    /// The field's JSON pointer in the values (`field` items).
    public var pointer: String?
    /// The 1-based page (`page` items).
    public var page: Int?
    /// The value as extracted; for a page, its markdown.
    public var value: JSONValue
    public var confidence: Double?
    public var reasons: [ReviewReason]
    /// The anomaly rule that fired.
    public var rule: String?
    /// What the reviewer is asked to look at, in words.
    public var message: String
    public var citation: Citation?
    /// Up to ~600 characters of the document's markdown around the citation.
    public var context: String
    /// Whether a PNG crop of the cited region is stored.
    public var crop: Bool
    public var createdAt: Date
    public var state: ReviewItemState
    public var claim: ReviewClaim?
    public var decision: ReviewDecision?

    public init(
        id: String,
        jobID: String,
        tenant: String,
        label: String? = nil,
        section: Int? = nil,
        kind: Kind,
        pointer: String? = nil,
        page: Int? = nil,
        value: JSONValue,
        confidence: Double? = nil,
        reasons: [ReviewReason],
        rule: String? = nil,
        message: String,
        citation: Citation? = nil,
        context: String = "",
        crop: Bool = false,
        createdAt: Date,
        state: ReviewItemState = .open,
        claim: ReviewClaim? = nil,
        decision: ReviewDecision? = nil
    ) {
        self.id = id
        self.jobID = jobID
        self.tenant = tenant
        self.label = label
        self.section = section
        self.kind = kind
        self.pointer = pointer
        self.page = page
        self.value = value
        self.confidence = confidence
        self.reasons = reasons
        self.rule = rule
        self.message = message
        self.citation = citation
        self.context = context
        self.crop = crop
        self.createdAt = createdAt
        self.state = state
        self.claim = claim
        self.decision = decision
    }

    /// A tenant names a subject token and consumer: 1-40 of A-Z a-z 0-9 - _ (as the gateway's).
    public static func isValidTenant(_ tenant: String) -> Bool { JobRoute.isTenantName(tenant) }

    /// The id of a job's `n`th item (from 1).
    public static func id(jobID: String, number: Int) -> String { "\(jobID).\(number)" }

    enum CodingKeys: String, CodingKey {
        case id, tenant, label, section, kind, pointer, page, value, confidence, reasons, rule, message, citation
        case context, crop, state, claim, decision
        case jobID = "job_id"
        case createdAt = "created_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        jobID = try c.decode(String.self, forKey: .jobID)
        tenant = try c.decode(String.self, forKey: .tenant)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        section = try c.decodeIfPresent(Int.self, forKey: .section)
        kind = try c.decode(Kind.self, forKey: .kind)
        pointer = try c.decodeIfPresent(String.self, forKey: .pointer)
        page = try c.decodeIfPresent(Int.self, forKey: .page)
        value = try c.decodeIfPresent(JSONValue.self, forKey: .value) ?? .null
        confidence = try c.decodeIfPresent(Double.self, forKey: .confidence)
        reasons = try c.decode([ReviewReason].self, forKey: .reasons)
        rule = try c.decodeIfPresent(String.self, forKey: .rule)
        message = try c.decode(String.self, forKey: .message)
        citation = try c.decodeIfPresent(Citation.self, forKey: .citation)
        context = try c.decodeIfPresent(String.self, forKey: .context) ?? ""
        crop = try c.decodeIfPresent(Bool.self, forKey: .crop) ?? false
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        state = try c.decode(ReviewItemState.self, forKey: .state)
        claim = try c.decodeIfPresent(ReviewClaim.self, forKey: .claim)
        decision = try c.decodeIfPresent(ReviewDecision.self, forKey: .decision)
    }

    /// `label`, `section` and `value` are written even when null, as the contract shows them.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(jobID, forKey: .jobID)
        try c.encode(tenant, forKey: .tenant)
        try c.encode(label, forKey: .label)
        try c.encode(section, forKey: .section)
        try c.encode(kind, forKey: .kind)
        try c.encodeIfPresent(pointer, forKey: .pointer)
        try c.encodeIfPresent(page, forKey: .page)
        try c.encode(value, forKey: .value)
        try c.encodeIfPresent(confidence, forKey: .confidence)
        try c.encode(reasons, forKey: .reasons)
        try c.encodeIfPresent(rule, forKey: .rule)
        try c.encode(message, forKey: .message)
        try c.encodeIfPresent(citation, forKey: .citation)
        try c.encode(context, forKey: .context)
        try c.encode(crop, forKey: .crop)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(state, forKey: .state)
        try c.encodeIfPresent(claim, forKey: .claim)
        try c.encodeIfPresent(decision, forKey: .decision)
    }
}
