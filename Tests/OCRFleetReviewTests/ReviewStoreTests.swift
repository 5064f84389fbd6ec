import Foundation
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import Testing

/// The review store on a real nats-server: each item goes to one reviewer at a time, an
/// abandoned claim comes back, decisions need the claim, tenants see only their own.
@Suite(.serialized) struct ReviewStoreTests {
    @Test func openingACaseTwiceQueuesEachItemOnce() async throws {
        try await withNATSServer { server in
            let store = try await ReviewFixtures.store(server)
            let items = try await ReviewFixtures.open(store)
            try await ReviewFixtures.open(store)
            #expect(try await store.items(tenant: "alpha").map(\.id) == items.map(\.id))
            let reviewCase = try #require(try await store.caseOf(jobID: "alpha=inv-1"))
            #expect(reviewCase.itemIDs == items.map(\.id) && reviewCase.open == 3 && reviewCase.needsReview)
            #expect(try await store.crop(items[0].id) == Array("PNG".utf8))
            #expect(try await store.crop(items[1].id) == nil)
            #expect(try await ReviewFixtures.claimAll(store, tenant: "alpha", reviewer: "ann").sorted() == items.map(\.id))
            // A retried attempt after a claim leaves the claim alone and queues nothing new.
            try await ReviewFixtures.open(store)
            #expect(try await store.item(items[0].id)?.claim?.reviewer == "ann")
            #expect(try await store.claim(tenant: "alpha", reviewer: "bob") == nil)
        }
    }

    /// Items decided after a claim by id (one never pulled, one released back first) leave
    /// their messages in the lane; the next claims settle them as stale and serve only what is
    /// still open, at once, and then find nothing.
    @Test func messagesOfItemsDecidedByIdAreSettledByTheNextClaims() async throws {
        try await withNATSServer { server in
            let store = try await ReviewFixtures.store(server)
            let items = try await ReviewFixtures.open(store, count: 4)
            let lane = StoredMessages(connection: store.connection, stream: StreamNames.reviews)
            func decide(_ id: String, _ action: ReviewDecision.Action = .confirm) async throws {
                try await store.decide(id: id, tenant: "alpha", decision: ReviewDecision(action: action, reviewer: "ann", at: Date()))
            }
            _ = try await store.claim(id: items[0].id, tenant: "alpha", reviewer: "ann")
            try await decide(items[0].id)
            let second = try #require(try await store.claim(tenant: "alpha", reviewer: "ann"))
            #expect(second.id == items[1].id, "the first item's message was settled on the way")
            try await store.release(id: second.id, tenant: "alpha", reviewer: "ann")
            _ = try await store.claim(id: second.id, tenant: "alpha", reviewer: "ann")
            try await decide(second.id, .reject)
            _ = try await store.claim(id: items[3].id, tenant: "alpha", reviewer: "ann")
            try await decide(items[3].id)
            let third = try #require(try await store.claim(tenant: "alpha", reviewer: "ann"))
            #expect(third.id == items[2].id)
            try await decide(third.id)
            #expect(try await store.claim(tenant: "alpha", reviewer: "ann") == nil)
            #expect(try await lane.backlog().count == 0)
        }
    }

    /// A lane whose items were all decided by id, with no claim to settle their messages: the
    /// sweep's settling leaves its backlog counting only what waits.
    @Test func theSweepSettlesALaneOfItemsDecidedById() async throws {
        try await withNATSServer { server in
            let store = try await ReviewFixtures.store(server)
            let items = try await ReviewFixtures.open(store, count: 3)
            let lane = StoredMessages(connection: store.connection, stream: StreamNames.reviews)
            for item in items.dropLast() {
                _ = try await store.claim(id: item.id, tenant: "alpha", reviewer: "ann")
                try await store.decide(id: item.id, tenant: "alpha", decision: ReviewDecision(action: .confirm, reviewer: "ann", at: Date()))
            }
            #expect(try await lane.backlog().count == 3)
            #expect(try await store.lanesToSettle() == ["alpha"])
            #expect(try await store.settleLane(tenant: "alpha") == 2)
            #expect(try await lane.backlog().count == 1, "the undecided item still waits")
            #expect(try await store.lanesToSettle().isEmpty)
            let last = try #require(try await store.claim(tenant: "alpha", reviewer: "bob"))
            #expect(last.id == items[2].id, "and is served next")
        }
    }

    @Test func reviewersClaimingAtOnceNeverShareAnItem() async throws {
        try await withNATSServer { server in
            let store = try await ReviewFixtures.store(server)
            let other = try await ReviewStore(connection: try await ReviewFixtures.connect(server))
            let items = try await ReviewFixtures.open(store, count: 12)
            async let ann = ReviewFixtures.claimAll(store, tenant: "alpha", reviewer: "ann")
            async let bob = ReviewFixtures.claimAll(other, tenant: "alpha", reviewer: "bob")
            let (first, second) = try await (ann, bob)
            #expect(Set(first).isDisjoint(with: second))
            #expect((first + second).sorted() == items.map(\.id).sorted())
            for id in first { #expect(try await store.item(id)?.claim?.reviewer == "ann") }
            for id in second { #expect(try await store.item(id)?.claim?.reviewer == "bob") }
        }
    }

    /// The lease is the consumer's ack wait: the item comes back when it runs out, and the
    /// first reviewer's late decision is refused once another holds it.
    @Test func anAbandonedClaimReturnsAndALateDecisionIsRefused() async throws {
        try await withNATSServer { server in
            let store = try await ReviewFixtures.store(server, lease: .seconds(1))
            let items = try await ReviewFixtures.open(store, count: 1)
            let first = try #require(try await store.claim(tenant: "alpha", reviewer: "ann"))
            #expect(first.id == items[0].id && first.state == .claimed)
            let deadline = Date().addingTimeInterval(60)
            var taken: ReviewItem?
            while taken == nil, Date() < deadline {
                taken = try await store.claim(tenant: "alpha", reviewer: "bob")
                if taken == nil { try await Task.sleep(for: .milliseconds(100)) }
            }
            let second = try #require(taken, "the abandoned item did not come back within a minute")
            #expect(second.id == first.id && second.claim?.reviewer == "bob")
            let late = ReviewDecision(action: .confirm, reviewer: "ann", at: Date())
            await #expect(throws: ReviewStoreError.claimExpired) {
                try await store.decide(id: first.id, tenant: "alpha", decision: late)
            }
            let decided = try await store.decide(
                id: first.id,
                tenant: "alpha",
                decision: ReviewDecision(action: .confirm, reviewer: "bob", at: Date())
            )
            #expect(decided.open == 0)
            let actions = try await store.auditTrail(tenant: "alpha", item: first.id).map(\.action)
            #expect(actions == [.claim, .takeover, .confirm])
        }
    }

    @Test func decisionsNeedTheClaimAndHappenOnce() async throws {
        try await withNATSServer { server in
            let store = try await ReviewFixtures.store(server)
            let items = try await ReviewFixtures.open(store, count: 1)
            let id = items[0].id
            let confirm = ReviewDecision(action: .confirm, reviewer: "ann", at: ReviewFixtures.created)
            await #expect(throws: ReviewStoreError.notClaimed) { try await store.decide(id: id, tenant: "alpha", decision: confirm) }
            let at = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded())
            _ = try await store.claim(id: id, tenant: "alpha", reviewer: "ann", now: at)
            await #expect(throws: ReviewStoreError.claimedByAnother(reviewer: "ann", until: at + 600)) {
                _ = try await store.claim(id: id, tenant: "alpha", reviewer: "bob", now: at + 599)
            }
            await #expect(throws: ReviewStoreError.claimExpired) { try await store.release(id: id, tenant: "alpha", reviewer: "bob") }
            try await store.release(id: id, tenant: "alpha", reviewer: "ann")
            #expect(try await store.item(id)?.state == .open)
            let claimed = try #require(try await store.claim(tenant: "alpha", reviewer: "bob"))
            #expect(claimed.id == id)
            let bobs = ReviewDecision(action: .reject, note: "not on the page", reviewer: "bob", at: ReviewFixtures.created)
            #expect(try await store.decide(id: id, tenant: "alpha", decision: bobs).open == 0)
            // The same decision again is harmless; another is refused.
            #expect(try await store.decide(id: id, tenant: "alpha", decision: bobs).open == 0)
            await #expect(throws: ReviewStoreError.alreadyDecided) {
                try await store.decide(
                    id: id,
                    tenant: "alpha",
                    decision: ReviewDecision(action: .confirm, reviewer: "bob", at: Date())
                )
            }
            let item = try #require(try await store.item(id))
            #expect(item.state == .rejected && item.decision == bobs && item.claim == nil)
            let trail = try await store.auditTrail(tenant: "alpha", item: id)
            #expect(trail.map(\.action) == [.claim, .release, .claim, .reject])
            #expect(trail.map(\.reviewer) == ["ann", "ann", "bob", "bob"])
            #expect(trail.last?.before == .number(-5) && trail.last?.after == .null && trail.last?.note == "not on the page")
            #expect(try await store.claim(tenant: "alpha", reviewer: "cy") == nil)
        }
    }

    @Test func aTenantSeesNothingOfAnother() async throws {
        try await withNATSServer { server in
            let store = try await ReviewFixtures.store(server)
            let items = try await ReviewFixtures.open(store)
            let id = items[0].id
            #expect(try await store.items(tenant: "beta").isEmpty)
            #expect(try await store.claim(tenant: "beta", reviewer: "eve") == nil)
            #expect(try await store.item(id, tenant: "beta") == nil)
            await #expect(throws: ReviewStoreError.notFound) { _ = try await store.claim(id: id, tenant: "beta", reviewer: "eve") }
            _ = try await store.claim(id: id, tenant: "alpha", reviewer: "ann")
            await #expect(throws: ReviewStoreError.notFound) {
                try await store.decide(id: id, tenant: "beta", decision: ReviewDecision(action: .confirm, reviewer: "ann", at: Date()))
            }
            await #expect(throws: ReviewStoreError.notFound) { try await store.release(id: id, tenant: "beta", reviewer: "ann") }
            #expect(try await store.auditTrail(tenant: "beta").isEmpty)
            #expect(try await store.items(tenant: "alpha", state: .claimed).map(\.id) == [id])
            #expect(try await store.items(tenant: "alpha", state: .open).count == 2)
        }
    }

    @Test func correctionsAreReadNewestFirstPerTenantAndLabel() async throws {
        try await withNATSServer { server in
            let store = try await ReviewFixtures.store(server)
            let items = try await ReviewFixtures.open(store)
            try await ReviewFixtures.open(store, jobID: "beta=inv-1", tenant: "beta")
            for (index, item) in items.enumerated() {
                _ = try await store.claim(id: item.id, tenant: "alpha", reviewer: "ann")
                let decision =
                    item.reasons.contains(.sampled)
                    ? ReviewDecision(action: .confirm, reviewer: "ann", at: ReviewFixtures.created.addingTimeInterval(Double(index)))
                    : ReviewDecision(
                        action: .correct,
                        value: .string("fixed \(index)"),
                        reviewer: "ann",
                        at: ReviewFixtures.created.addingTimeInterval(Double(index))
                    )
                try await store.decide(id: item.id, tenant: "alpha", decision: decision)
            }
            let corrections = try await store.recentCorrections(tenant: "alpha", label: "invoice", limit: 10)
            #expect(corrections.map(\.pointer) == ["/date", "/iban", "/total"])
            #expect(corrections.map(\.confirmed) == [true, false, false])
            #expect(corrections[1].before == .string("XX12") && corrections[1].after == .string("fixed 1"))
            #expect(corrections[1].context == "text of /iban")
            #expect(try await store.recentCorrections(tenant: "alpha", label: "invoice", limit: 1).map(\.pointer) == ["/date"])
            #expect(try await store.recentCorrections(tenant: "alpha", label: "receipt", limit: 10).isEmpty)
            #expect(try await store.recentCorrections(tenant: "beta", label: "invoice", limit: 10).isEmpty)
            #expect(ReviewStore.labelKey("invoice").count == 16 && ReviewStore.labelKey(nil) == "none")
        }
    }

    @Test func aThreeMegabyteDocumentRoundTripsThroughPieces() async throws {
        try await withNATSServer { server in
            let store = try await ReviewFixtures.store(server)
            var generator = SystemRandomNumberGenerator()
            let document = (0..<(3 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try await ReviewFixtures.open(store, document: document)
            let reviewCase = try #require(try await store.caseOf(jobID: "alpha=inv-1"))
            #expect(reviewCase.documentPieces == 6 && reviewCase.documentBytes == 3 << 20)
            #expect(try await store.document(jobID: "alpha=inv-1") == document)
            #expect(try await store.document(jobID: "alpha=other") == nil)
        }
    }

    @Test func badRequestsAreRefusedWithAReason() async throws {
        try await withNATSServer { server in
            let store = try await ReviewFixtures.store(server)
            let items = ReviewFixtures.items(jobID: "a.b", tenant: "alpha")
            let reviewCase = ReviewCase(jobID: "alpha=x", tenant: "al.pha", itemIDs: [], createdAt: Date())
            await #expect(throws: ReviewStoreError.self) {
                try await store.open(case: reviewCase, items: items, document: [], crops: [:])
            }
            let big = ReviewCase(jobID: "alpha=x", tenant: "alpha", itemIDs: [], createdAt: Date())
            await #expect(throws: ReviewStoreError.self) {
                try await store.open(case: big, items: [], document: [], crops: ["alpha=x.1": [UInt8](repeating: 0, count: 600 << 10)])
            }
            await #expect(throws: ReviewStoreError.self) { _ = try await store.claim(tenant: "al>pha", reviewer: "ann") }
            await #expect(throws: ReviewStoreError.self) { _ = try await store.claim(tenant: "alpha", reviewer: "") }
            #expect(try await store.item("no such id") == nil)
        }
    }
}
