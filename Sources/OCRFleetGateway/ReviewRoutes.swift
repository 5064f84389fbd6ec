import Foundation
import HTTPTypes
import Logging
import OCRFleetAPI
import OCRFleetBus
import OCRFleetModel
import OCRFleetReview
import OpenAPIRuntime

extension Gateway {
    static let defaultReviewPage = 100
    static let maxReviewPage = 1000

    /// `GET /v1/reviews?state=…&limit=…&after=…`: the caller's tenant's items in id order.
    public func listReviews(_ input: Operations.ListReviews.Input) async throws -> Operations.ListReviews.Output {
        let caller = try Caller.required()
        let limit = input.query.limit ?? Self.defaultReviewPage
        guard (1...Self.maxReviewPage).contains(limit) else {
            throw APIError.invalid("limit must be a whole number from 1 to \(Self.maxReviewPage)", field: "limit")
        }
        let state = input.query.state.map { ReviewItemState(rawValue: $0.rawValue) ?? .open }
        if let after = input.query.after, !Self.isReviewID(after) {
            throw APIError.invalid("after must be the next item id of an earlier page", field: "after")
        }
        let after = input.query.after.map(caller.busID)
        let store = try reviews.store()
        // One more than asked for tells whether a next page exists.
        let found = try await Self.reviewCall {
            try await store.items(tenant: caller.reviewTenant, state: state, limit: limit + 1, after: after)
        }
        let items = Array(found.prefix(limit))
        var page = Components.Schemas.ReviewList(items: try items.map { try answer($0, for: caller, withCrop: false) })
        if found.count > limit, let last = items.last, let id = caller.clientID(ofBusID: last.id) {
            page.next = id
            var url = "\(configuration.publicURL)/v1/reviews?limit=\(limit)&after=\(id)"
            if let state { url += "&state=\(state.rawValue)" }
            page.nextUrl = url
        }
        return .ok(.init(body: .json(page)))
    }

    /// `POST /v1/reviews/claim`: the tenant's next open item, claimed for the lease.
    public func claimNextReview(_ input: Operations.ClaimNextReview.Input) async throws -> Operations.ClaimNextReview.Output {
        let caller = try Caller.required()
        let reviewer = try Self.reviewer(input.headers.xReviewer, caller)
        let desk = try reviews.desk()
        guard let item = try await Self.reviewCall({ try await desk.claimNext(tenant: caller.reviewTenant, reviewer: reviewer) }) else {
            return .noContent(.init())
        }
        return .ok(.init(body: .json(try answer(item, for: caller))))
    }

    /// `GET /v1/reviews/{id}`: the item, with a presigned `crop_url`.
    public func getReview(_ input: Operations.GetReview.Input) async throws -> Operations.GetReview.Output {
        let caller = try Caller.required()
        let item = try await ownedReview(input.path.id, caller)
        return .ok(.init(body: .json(try answer(item, for: caller))))
    }

    /// `POST /v1/reviews/{id}/claim`: this item, claimed (or the caller's claim renewed).
    public func claimReview(_ input: Operations.ClaimReview.Input) async throws -> Operations.ClaimReview.Output {
        let caller = try Caller.required()
        let reviewer = try Self.reviewer(input.headers.xReviewer, caller)
        let busID = try await ownedReview(input.path.id, caller).id
        let desk = try reviews.desk()
        let item = try await Self.reviewCall { try await desk.claim(id: busID, tenant: caller.reviewTenant, reviewer: reviewer) }
        return .ok(.init(body: .json(try answer(item, for: caller))))
    }

    /// `POST /v1/reviews/{id}/release`: the caller's claim given up; the item is open again.
    public func releaseReview(_ input: Operations.ReleaseReview.Input) async throws -> Operations.ReleaseReview.Output {
        let caller = try Caller.required()
        let reviewer = try Self.reviewer(input.headers.xReviewer, caller)
        let busID = try await ownedReview(input.path.id, caller).id
        let desk = try reviews.desk()
        try await Self.reviewCall { try await desk.release(id: busID, tenant: caller.reviewTenant, reviewer: reviewer) }
        let item = try await ownedReview(input.path.id, caller)
        return .ok(.init(body: .json(try answer(item, for: caller))))
    }

    /// `POST /v1/reviews/{id}`: the caller's decision on an item it holds. The desk finishes
    /// the job's review when this was its last open item (a new extraction version, stored
    /// here, and the `reviewed` event).
    public func decideReview(_ input: Operations.DecideReview.Input) async throws -> Operations.DecideReview.Output {
        let caller = try Caller.required()
        let reviewer = try Self.reviewer(input.headers.xReviewer, caller)
        let busID = try await ownedReview(input.path.id, caller).id
        guard case .json(let verdict) = input.body else { throw APIError.invalid("the body must be JSON") }
        let action = ReviewDecision.Action(rawValue: verdict.action.rawValue) ?? .confirm
        var value: JSONValue?
        switch (action, verdict.value) {
        case (.correct, nil): throw APIError(.badRequest, code: "invalid_review", "correct needs the right value", field: "value")
        case (.correct, let given?): value = try APIJSON.convert(given, to: JSONValue.self)
        case (_, nil): break
        case (_, .some):
            throw APIError(.badRequest, code: "invalid_review", "only correct takes a value", field: "value")
        }
        if let note = verdict.note, note.unicodeScalars.count > Self.maxNoteLength {
            throw APIError(.badRequest, code: "invalid_review", "a note is at most \(Self.maxNoteLength) characters", field: "note")
        }
        let desk = try reviews.desk()
        let outcome: ReviewDesk.Outcome
        do {
            outcome = try await desk.decide(
                id: busID,
                tenant: caller.reviewTenant,
                reviewer: reviewer,
                action: action,
                value: value,
                note: verdict.note
            )
        } catch ReviewStoreError.invalid(let message) where action == .correct {
            throw APIError(.unprocessableContent, code: "invalid_correction", message, field: "value")
        } catch let error as ReviewStoreError {
            throw APIError(reviewRefusal: error)
        }
        if let reviewed = outcome.reviewed {
            logger.info(
                "review finished",
                metadata: ["job_id": "\(outcome.item.jobID)", "version": "\(reviewed.version)", "items": "\(reviewed.items)"]
            )
        }
        return .ok(.init(body: .json(try answer(outcome.item, for: caller))))
    }

    static let maxNoteLength = 2000

    /// `GET /v1/reviews/{id}/audit`: the item's audit trail, oldest first.
    public func getReviewAudit(_ input: Operations.GetReviewAudit.Input) async throws -> Operations.GetReviewAudit.Output {
        let caller = try Caller.required()
        let item = try await ownedReview(input.path.id, caller)
        let store = try reviews.store()
        let records = try await Self.reviewCall { try await store.auditTrail(tenant: caller.reviewTenant, item: item.id) }
        let shown = try records.map { record in
            var record = record
            record.item = caller.clientID(ofBusID: record.item) ?? record.item
            record.jobID = caller.clientID(ofBusID: record.jobID) ?? record.jobID
            return try APIJSON.convert(record, to: Components.Schemas.ReviewAuditRecord.self)
        }
        return .ok(.init(body: .json(.init(records: shown))))
    }

    /// `GET /v1/reviews/{id}/crop`: a redirect to the crop's presigned URL.
    public func getReviewCrop(_ input: Operations.GetReviewCrop.Input) async throws -> Operations.GetReviewCrop.Output {
        let caller = try Caller.required()
        let item = try await ownedReview(input.path.id, caller)
        guard item.crop else { throw APIError.notFound("review item \(input.path.id) has no crop") }
        return .found(.init(headers: .init(location: cropURLs.url(busItemID: item.id))))
    }

    /// `GET /review/crops/{id}?expires=…&signature=…`: the crop's PNG, for whoever holds the URL.
    public func reviewCrop(_ input: Operations.ReviewCrop.Input) async throws -> Operations.ReviewCrop.Output {
        let id = input.path.id
        guard cropURLs.verify(busItemID: id, expires: input.query.expires, signature: input.query.signature) else {
            throw APIError(.forbidden, code: "forbidden", "the URL's signature is invalid or has expired")
        }
        let store = try reviews.store()
        guard let png = try await Self.reviewCall({ try await store.crop(id) }) else {
            throw APIError.notFound("no crop of review item \(id)")
        }
        return .ok(.init(body: .png(HTTPBody(png))))
    }

    /// The caller's item named in the path. Another tenant's item is 404, exactly like a
    /// missing one.
    func ownedReview(_ id: String, _ caller: Caller) async throws -> ReviewItem {
        // An id the document's pattern refuses names no item (and may not be a KV key).
        guard Self.isReviewID(id) else { throw APIError.notFound("no review item \(id)") }
        let store = try reviews.store()
        let busID = caller.busID(id)
        guard let item = try await Self.reviewCall({ try await store.item(busID, tenant: caller.reviewTenant) }) else {
            throw APIError.notFound("no review item \(id)")
        }
        return item
    }

    /// The item as the caller sees it: its and its job's ids the caller's own, and with
    /// `withCrop` a presigned `crop_url` when it has a crop.
    func answer(_ item: ReviewItem, for caller: Caller, withCrop: Bool = true) throws -> Components.Schemas.ReviewItem {
        var shown = item
        shown.id = caller.clientID(ofBusID: item.id) ?? item.id
        shown.jobID = caller.clientID(ofBusID: item.jobID) ?? item.jobID
        shown.claim?.delivery = nil
        var answer = try APIJSON.convert(shown, to: Components.Schemas.ReviewItem.self)
        if withCrop, item.crop { answer.cropUrl = cropURLs.url(busItemID: item.id) }
        return answer
    }

    /// `<job_id>.<n>`, n from 1 without leading zeros, as the document's `ReviewID` says.
    static func isReviewID(_ id: String) -> Bool {
        guard let dot = id.lastIndex(of: ".") else { return false }
        let number = id[id.index(after: dot)...]
        return JobRequest.isValidJobID(String(id[..<dot])) && (1...6).contains(number.count)
            && number.allSatisfy { ("0"..."9").contains($0) } && !number.hasPrefix("0")
    }

    /// The reviewer a request acts as: `X-Reviewer`, else (absent, or blank once HTTP has
    /// trimmed it) the token's own name.
    static func reviewer(_ header: String?, _ caller: Caller) throws(APIError) -> String {
        guard let header, !header.isEmpty else { return caller.tokenReviewer }
        // A tab is legal inside an HTTP field value; other control characters are not.
        let control = header.unicodeScalars.contains { ($0.value < 0x20 && $0.value != 0x09) || $0.value == 0x7f }
        guard header.unicodeScalars.count <= 64, !control else {
            throw APIError(
                .badRequest,
                code: "invalid_review",
                "X-Reviewer must be 1-64 characters without control characters",
                field: "X-Reviewer"
            )
        }
        return header
    }

    /// Runs a review store or desk call, its refusals as the API's answers.
    static func reviewCall<T>(_ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch let error as ReviewStoreError {
            throw APIError(reviewRefusal: error)
        }
    }
}

extension APIError {
    /// The review store's refusals as the API answers them (docs/api.md).
    init(reviewRefusal error: ReviewStoreError) {
        switch error {
        case .notFound: self = .notFound("no such review item")
        case .notClaimed: self.init(.conflict, code: "not_claimed", "the item is not claimed by you: claim it first")
        case .claimExpired:
            self.init(.conflict, code: "claim_expired", "another reviewer holds the item (your claim ran out, or you never held it)")
        case .claimedByAnother(let reviewer, let until):
            self.init(.conflict, code: "claimed", "\(reviewer) holds the item until \(Timestamp.format(until))")
        case .alreadyDecided: self.init(.conflict, code: "already_decided", "the item is decided already")
        case .invalid(let message): self.init(.badRequest, code: "invalid_review", message)
        case .contention:
            self.init(.serviceUnavailable, code: "unavailable", "the item is changing under other requests; try again", retryAfter: .seconds(1))
        }
    }
}
