/// Where a review item is: waiting, held by a reviewer, or decided.
public enum ReviewItemState: String, Codable, Sendable, CaseIterable {
    case open, claimed, confirmed, corrected, rejected

    /// Decided: the item will not change again.
    public var isDecided: Bool { self == .confirmed || self == .corrected || self == .rejected }
}
