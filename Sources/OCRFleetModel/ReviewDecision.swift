import Foundation

/// What a reviewer decided about an item.
public struct ReviewDecision: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable, CaseIterable {
        /// The value stands.
        case confirm
        /// `value` replaces it; it must validate against the field's schema.
        case correct
        /// The value is wrong and there is no right one: it becomes null.
        case reject

        /// The item's state after the decision.
        public var state: ReviewItemState {
            switch self {
            case .confirm: .confirmed
            case .correct: .corrected
            case .reject: .rejected
            }
        }
    }

    public var action: Action
    /// `correct`'s new value; nil for the other actions.
    public var value: JSONValue?
    public var note: String?
    public var reviewer: String
    public var at: Date

    public init(action: Action, value: JSONValue? = nil, note: String? = nil, reviewer: String, at: Date) {
        self.action = action
        self.value = value
        self.note = note
        self.reviewer = reviewer
        self.at = at
    }
}

/// A reviewer's hold on an item, until its lease runs out.
public struct ReviewClaim: Codable, Sendable, Equatable {
    public var reviewer: String
    public var until: Date
    /// The reply subject of the queue delivery the claim holds (set by the store, nil for a
    /// claim by id): the decision acknowledges it, a release gives it back. Internal to the
    /// fleet; the API need not show it.
    public var delivery: String?

    public init(reviewer: String, until: Date, delivery: String? = nil) {
        self.reviewer = reviewer
        self.until = until
        self.delivery = delivery
    }
}
