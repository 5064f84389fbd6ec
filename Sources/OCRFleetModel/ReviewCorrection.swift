import Foundation

/// A reviewer's correction of a field, kept per tenant and label (stream
/// `OCR_REVIEW_CORRECTIONS`) for the learning loop: the next extraction for the label reads
/// the newest as examples. A confirmed sampled value is kept too, as positive evidence.
public struct ReviewCorrection: Codable, Sendable, Equatable {
    public var tenant: String
    public var label: String?
    public var pointer: String
    public var before: JSONValue
    public var after: JSONValue
    /// The cited text and a little around it.
    public var context: String
    public var at: Date
    /// A `confirm` of a sampled item: the value was right (`before` equals `after`).
    public var confirmed: Bool
    public var item: String?
    public var jobID: String?

    public init(
        tenant: String,
        label: String?,
        pointer: String,
        before: JSONValue,
        after: JSONValue,
        context: String,
        at: Date,
        confirmed: Bool = false,
        item: String? = nil,
        jobID: String? = nil
    ) {
        self.tenant = tenant
        self.label = label
        self.pointer = pointer
        self.before = before
        self.after = after
        self.context = context
        self.at = at
        self.confirmed = confirmed
        self.item = item
        self.jobID = jobID
    }

    enum CodingKeys: String, CodingKey {
        case tenant, label, pointer, before, after, context, at, confirmed, item
        case jobID = "job_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tenant = try c.decode(String.self, forKey: .tenant)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        pointer = try c.decode(String.self, forKey: .pointer)
        before = try c.decodeIfPresent(JSONValue.self, forKey: .before) ?? .null
        after = try c.decodeIfPresent(JSONValue.self, forKey: .after) ?? .null
        context = try c.decodeIfPresent(String.self, forKey: .context) ?? ""
        at = try c.decode(Date.self, forKey: .at)
        confirmed = try c.decodeIfPresent(Bool.self, forKey: .confirmed) ?? false
        item = try c.decodeIfPresent(String.self, forKey: .item)
        jobID = try c.decodeIfPresent(String.self, forKey: .jobID)
    }
}
