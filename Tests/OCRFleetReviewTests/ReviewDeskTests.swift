import Foundation
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import Synchronization
import Testing

@testable import OCRFleetReview

/// The desk finishes a job's review once: the last decision stores version 2 of
/// `extraction.json` with the people's values and publishes one `reviewed` event.
@Suite(.serialized) struct ReviewDeskTests {
    /// Versions the desk stored, by key, as the gateway's store would keep them.
    final class StoredVersions: Sendable {
        let versions = Mutex<[(key: String, bytes: [UInt8])]>([])

        func store(_ version: ReviewDesk.Version) -> String {
            let key = "tenants/\(version.tenant)/reviews/\(version.jobID)/extraction.v\(version.version).json"
            versions.withLock { $0.append((key, version.bytes)) }
            return "http://gateway.test/store/\(key)?signature=x"
        }
    }

    static func desk(_ store: ReviewStore, _ versions: StoredVersions) -> ReviewDesk {
        ReviewDesk(store: store, source: "urn:ocrfleet:gateway", name: "gateway-test") { versions.store($0) }
    }

    static func reviewedEvents(_ store: ReviewStore, jobID: String) async throws -> [LifecycleEvent] {
        try await StoredMessages(connection: store.connection, stream: StreamNames.events).all()
            .filter { $0.subject == Subjects.event(.reviewed, jobID: jobID) }
            .map { try LifecycleEvent.decode($0.payload) }
    }

    @Test func theLastDecisionStoresOneNewVersionAndAnnouncesIt() async throws {
        try await withNATSServer { server in
            let store = try await ReviewFixtures.store(server)
            let versions = StoredVersions()
            let desk = Self.desk(store, versions)
            let items = try await ReviewFixtures.open(store)
            for item in items { _ = try await desk.claim(id: item.id, tenant: "alpha", reviewer: "ann") }
            // A correction the schema refuses is refused, and the item stays claimed.
            await #expect(throws: ReviewStoreError.self) {
                _ = try await desk.decide(id: items[0].id, tenant: "alpha", reviewer: "ann", action: .correct, value: .number(-1))
            }
            await #expect(throws: ReviewStoreError.self) {
                _ = try await desk.decide(id: items[0].id, tenant: "alpha", reviewer: "ann", action: .correct, value: .string("5"))
            }
            #expect(try await store.item(items[0].id)?.state == .claimed)
            let corrected = try await desk.decide(id: items[0].id, tenant: "alpha", reviewer: "ann", action: .correct, value: .number(5))
            #expect(corrected.item.state == .corrected && corrected.reviewed == nil && corrected.reviewCase.open == 2)
            let rejected = try await desk.decide(id: items[1].id, tenant: "alpha", reviewer: "ann", action: .reject, note: "no IBAN")
            #expect(rejected.reviewed == nil)
            #expect(try await Self.reviewedEvents(store, jobID: "alpha=inv-1").isEmpty)
            let last = try await desk.decide(id: items[2].id, tenant: "alpha", reviewer: "ann", action: .confirm)
            let reviewed = try #require(last.reviewed)
            #expect(reviewed.version == 2 && reviewed.items == 3)
            #expect(reviewed.confirmed == 1 && reviewed.corrected == 1 && reviewed.rejected == 1)
            #expect(reviewed.extraction.url == "http://gateway.test/store/tenants/alpha/reviews/alpha=inv-1/extraction.v2.json")
            #expect(last.reviewCase.version == 2 && last.reviewCase.reviewedAt != nil && last.reviewCase.open == 0)

            let stored = versions.versions.withLock { $0 }
            #expect(stored.count == 1 && stored[0].bytes.count == reviewed.extraction.bytes)
            let document = try CloudEventCoding.decoder().decode(ExtractionDocument.self, from: Data(stored[0].bytes))
            let extraction = try #require(document.extraction)
            #expect(extraction.values == .object(["total": .number(5), "iban": .null, "date": .string("2026-01-31")]))
            #expect(extraction.fields.map(\.value) == [.number(5), .null, .string("2026-01-31")])
            #expect(extraction.fields.map(\.confidence) == [1, 1, 1])
            #expect(extraction.fields.map { $0.reviewed?.action } == [.correct, .reject, .confirm])
            #expect(extraction.fields.allSatisfy { $0.reviewed?.reviewer == "ann" })
            #expect(document.classification?.label == "invoice")

            let events = try await Self.reviewedEvents(store, jobID: "alpha=inv-1")
            #expect(events.count == 1)
            #expect(events.first?.id == "alpha=inv-1.reviewed.v2" && events.first?.data.body == .reviewed(reviewed))
            #expect(events.first?.data.header.worker == "gateway-test")
            // Finishing again (a finisher that stopped half-way, retried) adds nothing.
            #expect(try await desk.finishPending(jobID: "alpha=inv-1") == nil)
            #expect(try await Self.reviewedEvents(store, jobID: "alpha=inv-1").count == 1)
        }
    }

    @Test func finalDecisionsAtOnceStillFinishOnce() async throws {
        try await withNATSServer { server in
            let store = try await ReviewFixtures.store(server)
            let versions = StoredVersions()
            let desk = Self.desk(store, versions)
            let other = Self.desk(try await ReviewStore(connection: try await ReviewFixtures.connect(server)), versions)
            let items = try await ReviewFixtures.open(store, count: 2)
            _ = try await desk.claim(id: items[0].id, tenant: "alpha", reviewer: "ann")
            _ = try await other.claim(id: items[1].id, tenant: "alpha", reviewer: "bob")
            async let first = desk.decide(id: items[0].id, tenant: "alpha", reviewer: "ann", action: .confirm)
            async let second = other.decide(id: items[1].id, tenant: "alpha", reviewer: "bob", action: .correct, value: .string("DE00"))
            let outcomes = try await [first, second]
            #expect(outcomes.compactMap(\.reviewed).count == 1)
            let events = try await Self.reviewedEvents(store, jobID: "alpha=inv-1")
            #expect(events.count == 1)
            #expect(Set(versions.versions.withLock { $0.map(\.key) }).count == 1)
            #expect(try await store.caseOf(jobID: "alpha=inv-1")?.version == 2)
        }
    }

    @Test func aReviewWhoseVersionCouldNotBeStoredIsFinishedByTheSweep() async throws {
        try await withNATSServer { server in
            let store = try await ReviewFixtures.store(server)
            let failing = ReviewDesk(store: store, source: "urn:ocrfleet:gateway", name: "gateway-test") { _ in
                throw ReviewStoreError.invalid("the store is down")
            }
            let items = try await ReviewFixtures.open(store, count: 1)
            _ = try await failing.claim(id: items[0].id, tenant: "alpha", reviewer: "ann")
            await #expect(throws: ReviewStoreError.invalid("the store is down")) {
                _ = try await failing.decide(id: items[0].id, tenant: "alpha", reviewer: "ann", action: .confirm)
            }
            #expect(try await store.item(items[0].id)?.state == .confirmed)
            #expect(try await store.caseOf(jobID: "alpha=inv-1")?.isReadyToFinish == true)
            #expect(try await Self.reviewedEvents(store, jobID: "alpha=inv-1").isEmpty)
            // A case that still waits for its reviewers is left alone.
            _ = try await ReviewFixtures.open(store, jobID: "alpha=inv-2", count: 1)

            let versions = StoredVersions()
            let desk = Self.desk(store, versions)
            let sweep = try await desk.finishEveryPending()
            #expect(sweep.finished == ["alpha=inv-1"] && sweep.failed.isEmpty)
            #expect(try await Self.reviewedEvents(store, jobID: "alpha=inv-1").map(\.id) == ["alpha=inv-1.reviewed.v2"])
            #expect(try await store.caseOf(jobID: "alpha=inv-1")?.version == 2)
            #expect(try await store.caseOf(jobID: "alpha=inv-2")?.version == 1)
            #expect(versions.versions.withLock { $0.count } == 1)
            #expect(try await desk.finishEveryPending().finished.isEmpty, "the next sweep has nothing to do")
            #expect(try await store.readyJobIDs().isEmpty)
            // A finisher repeated after the duplicate window sees the version announced already.
            let subject = Subjects.event(.reviewed, jobID: "alpha=inv-1")
            #expect(try await desk.isAnnounced(version: 2, on: subject))
            #expect(try await !desk.isAnnounced(version: 3, on: subject))
        }
    }

    @Test func aReviewDecidedBeforeItsJobCompletedIsFinishedOnlyAfter() async throws {
        try await withNATSServer { server in
            let store = try await ReviewFixtures.store(server)
            let states = try await JobStateStore(connection: store.connection)
            let versions = StoredVersions()
            let desk = Self.desk(store, versions)
            // The worker queued the items and is still uploading when a reviewer decides them.
            try await states.put(JobState(jobID: "alpha=inv-1", state: .running))
            let items = try await ReviewFixtures.open(store, count: 1)
            _ = try await desk.claim(id: items[0].id, tenant: "alpha", reviewer: "ann")
            let early = try await desk.decide(id: items[0].id, tenant: "alpha", reviewer: "ann", action: .confirm)
            #expect(early.reviewed == nil && early.reviewCase.isReadyToFinish)
            #expect(try await desk.finishEveryPending().finished.isEmpty)
            #expect(try await Self.reviewedEvents(store, jobID: "alpha=inv-1").isEmpty)
            // Completed but not announced yet (the worker writes the state, then publishes the
            // event): still left.
            try await states.put(JobState(jobID: "alpha=inv-1", state: .completed))
            #expect(try await desk.finishEveryPending().finished.isEmpty)
            // Once `completed` is published, the sweep finishes it.
            try await ReviewFixture.announceCompleted("alpha=inv-1", nats: store.connection)
            #expect(try await desk.finishEveryPending().finished == ["alpha=inv-1"])
            #expect(try await Self.reviewedEvents(store, jobID: "alpha=inv-1").count == 1)

            // A job that failed for good after queueing its items is never announced as reviewed,
            // and leaves the sweep's list.
            try await states.put(JobState(jobID: "alpha=inv-2", state: .running))
            let orphans = try await ReviewFixtures.open(store, jobID: "alpha=inv-2", count: 1)
            _ = try await desk.claim(id: orphans[0].id, tenant: "alpha", reviewer: "ann")
            _ = try await desk.decide(id: orphans[0].id, tenant: "alpha", reviewer: "ann", action: .confirm)
            try await states.put(JobState(jobID: "alpha=inv-2", state: .failed))
            #expect(try await desk.finishEveryPending().finished.isEmpty)
            #expect(try await store.readyJobIDs().isEmpty)
            #expect(try await Self.reviewedEvents(store, jobID: "alpha=inv-2").isEmpty)
            // A retry of that job completes and keeps the review (the worker marks it ready
            // again): the sweep finishes it then.
            try await store.markReady(jobID: "alpha=inv-2")
            try await states.put(JobState(jobID: "alpha=inv-2", state: .completed))
            try await ReviewFixture.announceCompleted("alpha=inv-2", nats: store.connection)
            #expect(try await desk.finishEveryPending().finished == ["alpha=inv-2"])
        }
    }

    @Test func onlyFieldsCanBeCorrected() async throws {
        try await withNATSServer { server in
            let store = try await ReviewFixtures.store(server)
            let desk = Self.desk(store, StoredVersions())
            let page = ReviewItem(
                id: "alpha=p.1",
                jobID: "alpha=p",
                tenant: "alpha",
                kind: .page,
                page: 1,
                value: .string("# Page"),
                reasons: [.lowConfidencePage],
                message: "page 1",
                createdAt: ReviewFixtures.created
            )
            try await store.open(
                case: ReviewCase(jobID: "alpha=p", tenant: "alpha", itemIDs: [page.id], createdAt: ReviewFixtures.created),
                items: [page],
                document: Array(try CloudEventCoding.encoder().encode(ExtractionDocument())),
                crops: [:]
            )
            _ = try await desk.claim(id: page.id, tenant: "alpha", reviewer: "ann")
            await #expect(throws: ReviewStoreError.invalid("only a field's value can be corrected")) {
                _ = try await desk.decide(id: page.id, tenant: "alpha", reviewer: "ann", action: .correct, value: .string("x"))
            }
            let outcome = try await desk.decide(id: page.id, tenant: "alpha", reviewer: "ann", action: .confirm)
            #expect(outcome.reviewed?.confirmed == 1)
        }
    }
}
