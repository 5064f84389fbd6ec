import Foundation
import OCRFleetAPI
import OCRFleetModel
import OpenAPIRuntime

/// The review API (`/v1/reviews`). `reviewer` goes as `X-Reviewer`; nil: the gateway names
/// the reviewer after the token.
extension GatewayClient {
    public typealias ReviewItem = Components.Schemas.ReviewItem

    /// A page of the tenant's items, in id order; `next` continues it.
    public func reviews(
        state: Components.Schemas.ReviewState? = nil,
        limit: Int? = nil,
        after: String? = nil
    ) async throws -> Components.Schemas.ReviewList {
        switch try await call({ try await api.listReviews(query: .init(state: state, limit: limit, after: after)) }) {
        case .ok(let answer): return try answer.body.json
        case let other: throw unexpected(other)
        }
    }

    /// The next open item, claimed; nil when none is open.
    public func claimNextReview(reviewer: String?) async throws -> ReviewItem? {
        switch try await call({ try await api.claimNextReview(headers: .init(xReviewer: reviewer)) }) {
        case .ok(let answer): return try answer.body.json
        case .noContent: return nil
        case let other: throw unexpected(other)
        }
    }

    public func review(_ id: String) async throws -> ReviewItem {
        switch try await call({ try await api.getReview(path: .init(id: id)) }) {
        case .ok(let answer): return try answer.body.json
        case let other: throw unexpected(other)
        }
    }

    /// The item's audit trail, oldest first.
    public func reviewAudit(_ id: String) async throws -> [Components.Schemas.ReviewAuditRecord] {
        switch try await call({ try await api.getReviewAudit(path: .init(id: id)) }) {
        case .ok(let answer): return try answer.body.json.records
        case let other: throw unexpected(other)
        }
    }

    public func claimReview(_ id: String, reviewer: String?) async throws -> ReviewItem {
        switch try await call({ try await api.claimReview(path: .init(id: id), headers: .init(xReviewer: reviewer)) }) {
        case .ok(let answer): return try answer.body.json
        case let other: throw unexpected(other)
        }
    }

    public func releaseReview(_ id: String, reviewer: String?) async throws -> ReviewItem {
        switch try await call({ try await api.releaseReview(path: .init(id: id), headers: .init(xReviewer: reviewer)) }) {
        case .ok(let answer): return try answer.body.json
        case let other: throw unexpected(other)
        }
    }

    /// Decides a claimed item: `value` is `correct`'s new value.
    public func decideReview(
        _ id: String,
        action: Components.Schemas.ReviewAction,
        value: JSONValue? = nil,
        note: String? = nil,
        reviewer: String?
    ) async throws -> ReviewItem {
        let verdict = Components.Schemas.ReviewVerdict(
            action: action,
            value: try value.map { try JSONDecoder().decode(OpenAPIValueContainer.self, from: JSONEncoder().encode($0)) },
            note: note
        )
        let input = Operations.DecideReview.Input(path: .init(id: id), headers: .init(xReviewer: reviewer), body: .json(verdict))
        switch try await call({ try await api.decideReview(input) }) {
        case .ok(let answer): return try answer.body.json
        case let other: throw unexpected(other)
        }
    }

    /// A version of a completed job's `extraction.json` (1: the worker's; each finished review
    /// adds one); nil: the newest.
    public func extraction(_ id: String, version: Int?) async throws -> ExtractionDocument {
        switch try await call({ try await api.getExtraction(path: .init(id: id), query: .init(version: version)) }) {
        case .ok(let answer): return try ExtractionDocument(try answer.body.json)
        case let other: throw unexpected(other)
        }
    }
}
