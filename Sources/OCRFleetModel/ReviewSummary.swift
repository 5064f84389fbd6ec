/// `completed.review`: whether the job's values wait for people, and why.
public struct ReviewSummary: Codable, Sendable, Equatable {
    public var needsReview: Bool
    public var items: Int
    /// Items per reason (an item with two reasons counts under each); empty without items.
    public var reasons: [ReviewReason: Int]
    /// Planned items past the most a job may queue (`ReviewSummary.maxItems`), not queued.
    public var omitted: Int

    /// The most items one job queues: each is a KV entry, a queue message and maybe a crop,
    /// and a document with more uncertain values than this needs another kind of review.
    public static let maxItems = 1000

    public init(needsReview: Bool, items: Int, reasons: [ReviewReason: Int] = [:], omitted: Int = 0) {
        self.needsReview = needsReview
        self.items = items
        self.reasons = reasons
        self.omitted = omitted
    }

    /// The summary of a job's queued items, and how many planned ones were left out.
    public init(items: [ReviewItem], omitted: Int = 0) {
        var reasons: [ReviewReason: Int] = [:]
        for reason in items.flatMap(\.reasons) { reasons[reason, default: 0] += 1 }
        self.init(needsReview: !items.isEmpty, items: items.count, reasons: reasons, omitted: omitted)
    }

    enum CodingKeys: String, CodingKey {
        case items, reasons, omitted
        case needsReview = "needs_review"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        needsReview = try c.decode(Bool.self, forKey: .needsReview)
        items = try c.decode(Int.self, forKey: .items)
        reasons = try c.decodeIfPresent([ReviewReason: Int].self, forKey: .reasons) ?? [:]
        omitted = try c.decodeIfPresent(Int.self, forKey: .omitted) ?? 0
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(needsReview, forKey: .needsReview)
        try c.encode(items, forKey: .items)
        if !reasons.isEmpty { try c.encode(reasons, forKey: .reasons) }
        if omitted > 0 { try c.encode(omitted, forKey: .omitted) }
    }
}

/// A job state's `review`: the review as the job ended (the case in `ocr-reviews` has the
/// live count).
public struct JobReviewStatus: Codable, Sendable, Equatable {
    public var needsReview: Bool
    public var open: Int
    public var items: Int

    public init(needsReview: Bool, open: Int, items: Int) {
        self.needsReview = needsReview
        self.open = open
        self.items = items
    }

    enum CodingKeys: String, CodingKey {
        case open, items
        case needsReview = "needs_review"
    }
}
