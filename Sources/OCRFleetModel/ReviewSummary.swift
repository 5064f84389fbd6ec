/// `completed.review`: whether the job's values wait for people, and why.
public struct ReviewSummary: Codable, Sendable, Equatable {
    public var needsReview: Bool
    public var items: Int
    /// Items per reason (an item with two reasons counts under each); empty without items.
    public var reasons: [ReviewReason: Int]

    public init(needsReview: Bool, items: Int, reasons: [ReviewReason: Int] = [:]) {
        self.needsReview = needsReview
        self.items = items
        self.reasons = reasons
    }

    /// The summary of a job's planned items.
    public init(items: [ReviewItem]) {
        var reasons: [ReviewReason: Int] = [:]
        for reason in items.flatMap(\.reasons) { reasons[reason, default: 0] += 1 }
        self.init(needsReview: !items.isEmpty, items: items.count, reasons: reasons)
    }

    enum CodingKeys: String, CodingKey {
        case items, reasons
        case needsReview = "needs_review"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        needsReview = try c.decode(Bool.self, forKey: .needsReview)
        items = try c.decode(Int.self, forKey: .items)
        reasons = try c.decodeIfPresent([ReviewReason: Int].self, forKey: .reasons) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(needsReview, forKey: .needsReview)
        try c.encode(items, forKey: .items)
        if !reasons.isEmpty { try c.encode(reasons, forKey: .reasons) }
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
