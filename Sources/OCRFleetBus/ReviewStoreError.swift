import Foundation

/// Why the review store refused a claim, release or decision.
public enum ReviewStoreError: Error, Sendable, Equatable {
    /// The item (or case) does not exist, or belongs to another tenant.
    case notFound
    /// The item is open: decide or release only what you hold.
    case notClaimed
    /// Another reviewer holds the item now (the caller's lease ran out and it was taken over,
    /// or the caller never held it).
    case claimExpired
    /// Another reviewer's lease on the item is still running.
    case claimedByAnother(reviewer: String, until: Date)
    case alreadyDecided
    /// The request itself is wrong (a tenant that is no subject token, a `correct` without a
    /// value, a crop over the size limit); the message says what.
    case invalid(String)
    /// The key kept changing under a compare-and-set; the caller may try again.
    case contention(String)
}
