import Foundation
import OCRFleetModel

extension ReviewStore {
    /// The next open item of `tenant`'s lane, claimed for `reviewer` until `now` + the lease;
    /// nil when none is waiting. An item whose previous claim ran out is taken over (audited
    /// as `takeover`). Queue messages of items decided meanwhile are acknowledged on the way.
    public func claim(tenant: String, reviewer: String, now: Date = Date()) async throws -> ReviewItem? {
        try Self.checkReviewer(reviewer)
        guard ReviewItem.isValidTenant(tenant) else { throw ReviewStoreError.invalid("tenant '\(tenant)'") }
        try await ensureLane(tenant)
        // Each pass settles one message, so stale ones cannot hold the loop for long.
        for _ in 0..<100 {
            guard let delivery = try await connection.nextReview(tenant: tenant) else { return nil }
            guard let stored = try await item(delivery.itemID, tenant: tenant), !stored.state.isDecided else {
                try await connection.ackReview(delivery.reply)
                continue
            }
            var previous: ReviewClaim?
            let claimed = try await bucket.modify(Self.itemKey(stored.id), as: ReviewItem.self) { current in
                guard !current.state.isDecided, current.claim?.delivery != delivery.reply else { return nil }
                if let claim = current.claim, claim.until > now { return nil }
                previous = current.claim
                var next = current
                next.state = .claimed
                next.claim = ReviewClaim(reviewer: reviewer, until: now + lease.timeInterval, delivery: delivery.reply)
                return next
            }
            guard let claimed else {
                try await connection.ackReview(delivery.reply)
                continue
            }
            if claimed.state.isDecided {
                try await connection.ackReview(delivery.reply)
                continue
            }
            guard claimed.claim?.delivery == delivery.reply, claimed.claim != nil else {
                // Held by another lease that is still running: back when it ends.
                let until = claimed.claim?.until ?? now
                try await connection.nakReview(delivery.reply, delay: .seconds(max(until.timeIntervalSince(now), 0)))
                continue
            }
            try await audit(claimed, previous: previous, reviewer: reviewer, at: now)
            return claimed
        }
        return nil
    }

    /// Claims one item by id for `reviewer` (or renews the reviewer's own claim). The queue
    /// message stays where it is; whoever pulls it while the claim runs puts it back, and
    /// once the item is decided, the next claim to pull it acknowledges it as stale.
    public func claim(id: String, tenant: String, reviewer: String, now: Date = Date()) async throws -> ReviewItem {
        try Self.checkReviewer(reviewer)
        guard try await item(id, tenant: tenant) != nil else { throw ReviewStoreError.notFound }
        var previous: ReviewClaim?
        var refusal: ReviewStoreError?
        let claimed = try await bucket.modify(Self.itemKey(id), as: ReviewItem.self) { current in
            previous = current.claim
            if current.state.isDecided {
                refusal = .alreadyDecided
                return nil
            }
            if let claim = current.claim, claim.until > now, claim.reviewer != reviewer {
                refusal = .claimedByAnother(reviewer: claim.reviewer, until: claim.until)
                return nil
            }
            refusal = nil
            var next = current
            next.state = .claimed
            let delivery = current.claim?.reviewer == reviewer ? current.claim?.delivery : nil
            next.claim = ReviewClaim(reviewer: reviewer, until: now + lease.timeInterval, delivery: delivery)
            return next
        }
        if let refusal { throw refusal }
        guard let claimed, claimed.claim != nil else { throw ReviewStoreError.notFound }
        try await audit(claimed, previous: previous, reviewer: reviewer, at: now)
        return claimed
    }

    /// Gives a claimed item back to the queue at once.
    public func release(id: String, tenant: String, reviewer: String, now: Date = Date()) async throws {
        guard try await item(id, tenant: tenant) != nil else { throw ReviewStoreError.notFound }
        var refusal: ReviewStoreError?
        var released: ReviewClaim?
        _ = try await bucket.modify(Self.itemKey(id), as: ReviewItem.self) { current in
            refusal = Self.refusal(of: current, reviewer: reviewer)
            guard refusal == nil else { return nil }
            released = current.claim
            var next = current
            next.state = .open
            next.claim = nil
            return next
        }
        if let refusal { throw refusal }
        guard let released, let item = try await item(id) else { return }
        if let delivery = released.delivery { try await connection.nakReview(delivery) }
        try await publishAudit(
            ReviewAuditRecord(
                item: id,
                jobID: item.jobID,
                tenant: tenant,
                reviewer: reviewer,
                at: now,
                action: .release,
                before: .string(ReviewItemState.claimed.rawValue),
                after: .string(ReviewItemState.open.rawValue)
            )
        )
    }

    /// Records `decision` on the item `reviewer` holds (even past its lease, while nobody
    /// else has taken it), counts the item decided in its case (returned), then acknowledges
    /// its queue message (held by a claim-next; one claimed by id is left for the next claim) and writes the audit record and, for a correction (or a confirmed
    /// sampled value), the correction. Repeating the same decision is harmless, and redoes
    /// the steps after the first.
    @discardableResult
    public func decide(id: String, tenant: String, decision: ReviewDecision) async throws -> ReviewCase {
        try Self.checkReviewer(decision.reviewer)
        guard try await item(id, tenant: tenant) != nil else { throw ReviewStoreError.notFound }
        if decision.action == .correct, decision.value == nil {
            throw ReviewStoreError.invalid("a correction needs the corrected value")
        }
        var final = decision
        if decision.action != .correct { final.value = nil }
        var refusal: ReviewStoreError?
        var before: ReviewItem?
        let decided = try await bucket.modify(Self.itemKey(id), as: ReviewItem.self) { current in
            before = current
            if current.state.isDecided {
                refusal = current.decision.map { Self.isSame($0, final) } == true ? nil : .alreadyDecided
                return nil
            }
            refusal = Self.refusal(of: current, reviewer: decision.reviewer)
            guard refusal == nil else { return nil }
            var next = current
            next.state = decision.action.state
            next.decision = final
            next.claim = nil
            return next
        }
        if let refusal { throw refusal }
        guard let decided, let before else { throw ReviewStoreError.notFound }
        // The last open item's decision marks the case for the sweep before the case counts
        // it, so a gateway that stops in between leaves the sweep something to find (a mark on
        // a case still waiting is only looked at again).
        if let current = try await caseOf(jobID: decided.jobID), current.open <= 1, current.reviewedAt == nil {
            try await markReady(jobID: decided.jobID)
        }
        // The case counts the item first: a step below that fails (the caller repeats the
        // decision to redo it) can then never leave the case waiting for a decided item.
        let updated = try await bucket.modify(Self.caseKey(decided.jobID), as: ReviewCase.self) { current in
            guard !current.decided.contains(id) else { return nil }
            var next = current
            next.decided.append(id)
            return next
        }
        guard let updated else { throw ReviewStoreError.notFound }
        if updated.isReadyToFinish { try await markReady(jobID: updated.jobID) }
        if let delivery = before.claim?.delivery {
            try await connection.ackReview(delivery)
        } else {
            // Claimed by id: the item's message waits in the lane until a claim pulls it; the
            // sweep settles the lane if no claim does.
            try await bucket.put(Self.settleKey(tenant), Array("1".utf8))
        }
        let after: JSONValue =
            switch decision.action {
            case .confirm: decided.value
            case .correct: final.value ?? .null
            case .reject: .null
            }
        try await publishAudit(
            ReviewAuditRecord(
                item: id,
                jobID: decided.jobID,
                tenant: tenant,
                reviewer: decision.reviewer,
                at: decision.at,
                action: Self.auditAction(decision.action),
                before: decided.value,
                after: after,
                note: decision.note
            )
        )
        if decided.kind == .field, let pointer = decided.pointer,
            decision.action == .correct || (decision.action == .confirm && decided.reasons.contains(.sampled))
        {
            try await publishCorrection(
                ReviewCorrection(
                    tenant: tenant,
                    label: decided.label,
                    pointer: pointer,
                    before: decided.value,
                    after: after,
                    context: decided.citation?.text ?? decided.context,
                    at: decision.at,
                    confirmed: decision.action == .confirm,
                    item: id,
                    jobID: decided.jobID
                )
            )
        }
        return updated
    }

    /// Records that a case's reviewed version is stored and announced, by compare-and-set:
    /// true for the one call that moved it from `version` to `version + 1`.
    public func markReviewed(jobID: String, fromVersion version: Int, at: Date) async throws -> Bool {
        var moved = false
        _ = try await bucket.modify(Self.caseKey(jobID), as: ReviewCase.self) { current in
            moved = false
            guard current.version == version, current.reviewedAt == nil else { return nil }
            moved = true
            var next = current
            next.version = version + 1
            next.reviewedAt = at
            return next
        }
        try await bucket.delete(Self.readyKey(jobID))
        return moved
    }

    /// Tenants whose lanes may hold messages of items decided after a claim by id.
    public func lanesToSettle() async throws -> [String] {
        try await bucket.keys(prefix: "settle.").map { String($0.dropFirst(7)) }.sorted()
    }

    /// Settles the messages at the head of a tenant's lane whose items are decided (or gone),
    /// as a claim would on its way, and gives the first undecided one back at once: the lane's
    /// oldest item's age then counts what waits, and the backlog does up to the first open
    /// item (messages behind it wait for the claims that reach them). Returns how many it settled.
    /// Deleting the messages at the decision instead would be quicker, but nats-server 2.9
    /// parks later `no_wait` pulls of a consumer whose stream lost a message it had not
    /// delivered.
    @discardableResult
    public func settleLane(tenant: String, limit: Int = 1000) async throws -> Int {
        guard ReviewItem.isValidTenant(tenant) else { return 0 }
        // The mark goes first, so a decision by id made meanwhile marks the lane again.
        try await bucket.delete(Self.settleKey(tenant))
        var settled = 0
        do {
            try await ensureLane(tenant)
            while settled < limit {
                guard let delivery = try await connection.nextReview(tenant: tenant) else { return settled }
                guard let item = try await item(delivery.itemID, tenant: tenant), !item.state.isDecided else {
                    try await connection.ackReview(delivery.reply)
                    settled += 1
                    continue
                }
                try await connection.nakReview(delivery.reply)
                return settled
            }
        } catch {
            try? await bucket.put(Self.settleKey(tenant), Array("1".utf8))
            throw error
        }
        try await bucket.put(Self.settleKey(tenant), Array("1".utf8))
        return settled
    }

    /// Puts a case on the sweep's list (`ready.<job_id>`): the sweep finds cases to finish
    /// by this mark, not by reading every case.
    public func markReady(jobID: String) async throws {
        try await bucket.put(Self.readyKey(jobID), Array("1".utf8))
    }

    /// Takes a case off the sweep's list without finishing it: its job ended without
    /// completing, or it is finished or gone.
    public func abandon(jobID: String) async throws {
        try await bucket.delete(Self.readyKey(jobID))
    }

    /// The same decision, made again: its time aside.
    static func isSame(_ one: ReviewDecision, _ other: ReviewDecision) -> Bool {
        one.action == other.action && one.value == other.value && one.reviewer == other.reviewer && one.note == other.note
    }

    /// Why `reviewer` may not settle `item`; nil when they hold it.
    static func refusal(of item: ReviewItem, reviewer: String) -> ReviewStoreError? {
        if item.state.isDecided { return .alreadyDecided }
        guard let claim = item.claim, item.state == .claimed else { return .notClaimed }
        return claim.reviewer == reviewer ? nil : .claimExpired
    }

    static func checkReviewer(_ reviewer: String) throws {
        guard (1...200).contains(reviewer.unicodeScalars.count), !reviewer.contains(where: { $0.isNewline || $0 == "\u{0}" })
        else { throw ReviewStoreError.invalid("a reviewer is named in 1-200 characters on one line") }
    }

    static func auditAction(_ action: ReviewDecision.Action) -> ReviewAuditRecord.Action {
        switch action {
        case .confirm: .confirm
        case .correct: .correct
        case .reject: .reject
        }
    }

    private func audit(_ item: ReviewItem, previous: ReviewClaim?, reviewer: String, at now: Date) async throws {
        let takeover = previous.map { $0.reviewer != reviewer } ?? false
        try await publishAudit(
            ReviewAuditRecord(
                item: item.id,
                jobID: item.jobID,
                tenant: item.tenant,
                reviewer: reviewer,
                at: now,
                action: takeover ? .takeover : .claim,
                before: .string(previous == nil ? ReviewItemState.open.rawValue : ReviewItemState.claimed.rawValue),
                after: .string(ReviewItemState.claimed.rawValue),
                note: previous.flatMap { takeover ? "the lease of \($0.reviewer) ran out" : nil }
            )
        )
    }
}

extension Duration {
    var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
