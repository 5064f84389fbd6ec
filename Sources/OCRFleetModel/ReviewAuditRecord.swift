import Foundation

/// One entry of the review audit trail (stream `OCR_REVIEW_AUDIT`, subject
/// `ocr.review.audit.<tenant>.<job_id>`): who did what to an item, when, and the value before and after.
public struct ReviewAuditRecord: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable, CaseIterable {
        case claim, release
        /// A claim of an item whose previous reviewer's lease had run out.
        case takeover
        case confirm, correct, reject
    }

    /// The item's id.
    public var item: String
    public var jobID: String
    public var tenant: String
    public var reviewer: String
    public var at: Date
    public var action: Action
    /// The value before and after a decision (`reject`: after is null); for claims, the item's
    /// state before and after (`"open"`, `"claimed"`).
    public var before: JSONValue
    public var after: JSONValue
    public var note: String?

    public init(
        item: String,
        jobID: String,
        tenant: String,
        reviewer: String,
        at: Date,
        action: Action,
        before: JSONValue,
        after: JSONValue,
        note: String? = nil
    ) {
        self.item = item
        self.jobID = jobID
        self.tenant = tenant
        self.reviewer = reviewer
        self.at = at
        self.action = action
        self.before = before
        self.after = after
        self.note = note
    }

    enum CodingKeys: String, CodingKey {
        case item, tenant, reviewer, at, action, before, after, note
        case jobID = "job_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        item = try c.decode(String.self, forKey: .item)
        jobID = try c.decode(String.self, forKey: .jobID)
        tenant = try c.decode(String.self, forKey: .tenant)
        reviewer = try c.decode(String.self, forKey: .reviewer)
        at = try c.decode(Date.self, forKey: .at)
        action = try c.decode(Action.self, forKey: .action)
        before = try c.decodeIfPresent(JSONValue.self, forKey: .before) ?? .null
        after = try c.decodeIfPresent(JSONValue.self, forKey: .after) ?? .null
        note = try c.decodeIfPresent(String.self, forKey: .note)
    }
}
