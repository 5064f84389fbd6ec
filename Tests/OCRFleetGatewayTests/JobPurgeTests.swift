import Foundation
import HTTPTypes
import HummingbirdTesting
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import Testing

@testable import OCRFleetGateway

/// `DELETE /v1/jobs/{id}?purge=true` and the retention sweep (docs/storage.md#purging-a-job):
/// everything kept of an ended job goes, nothing of another tenant's job of the same name.
@Suite struct JobPurgeTests {
    static let tenants = ReviewRouteTests.tenants

    /// alpha's and beta's completed `inv-1`, each with its review open and alpha's first item
    /// corrected (an audit trail and a correction of alpha's).
    static func twoReviewedJobs(_ gateway: RouteTestGateway) async throws {
        try await ReviewRouteTests.openAlphaReview(gateway)
        try await ReviewFixture.complete(
            "beta=inv-1",
            extractionAt: gateway.storeDirectory + "/tenants/beta/results/inv-1.extraction.json",
            nats: gateway.nats
        )
        try await ReviewFixture.openReview(busID: "beta=inv-1", tenant: "beta", crop: ReviewRouteTests.png, nats: gateway.nats)
        let claimed = try await gateway.send(.post, "/v1/reviews/inv-1.1/claim", token: "tokA", reviewer: "ada")
        #expect(claimed.status == .ok, "\(claimed.text)")
        let corrected = try await gateway.send(
            .post,
            "/v1/reviews/inv-1.1",
            token: "tokA",
            contentType: "application/json",
            body: #"{"action": "correct", "value": 13.5}"#,
            reviewer: "ada"
        )
        #expect(corrected.status == .ok, "\(corrected.text)")
    }

    @Test func anEndedJobGoesWithEverythingKeptOfItAndNothingOfAnothers() async throws {
        try await RouteTestGateway.run(Self.tenants) { gateway in
            try await Self.twoReviewedJobs(gateway)
            let reviews = try await ReviewStore(connection: gateway.nats)
            #expect(try await reviews.recentCorrections(tenant: "alpha", label: "invoice", limit: 10).count == 1)

            let purged = try await gateway.send(.delete, "/v1/jobs/inv-1?purge=true", token: "tokA")
            #expect(purged.status == .ok, "\(purged.text)")
            #expect(purged.json?["job_id"] as? String == "inv-1")
            #expect(purged.json?["review_items"] as? Int == 3 && purged.json?["objects"] as? Int == 1, "\(purged.text)")
            #expect((purged.json?["events"] as? Int ?? 0) >= 1, "\(purged.text)")

            // alpha's job is gone from every route, its id free again.
            for path in ["/v1/jobs/inv-1", "/v1/jobs/inv-1/extraction", "/v1/reviews/inv-1.1", "/v1/reviews/inv-1.1/audit"] {
                #expect(try await gateway.send(.get, path, token: "tokA").status == .notFound, "\(path)")
            }
            #expect(!FileManager.default.fileExists(atPath: gateway.storeDirectory + "/tenants/alpha/results/inv-1.extraction.json"))
            let events = try await StoredMessages(connection: gateway.nats, stream: StreamNames.events)
                .counts(bySubject: Subjects.events(jobID: "alpha=inv-1"))
            #expect(events.isEmpty, "\(events)")
            #expect(try await reviews.caseOf(jobID: "alpha=inv-1") == nil)
            #expect(try await reviews.crop("alpha=inv-1.1") == nil)
            #expect(try await reviews.auditTrail(tenant: "alpha").isEmpty)
            #expect(try await reviews.recentCorrections(tenant: "alpha", label: "invoice", limit: 10).isEmpty)
            // Asked again, a purge finishes whatever is left (nothing here); the id stays taken
            // by the job's tombstone, which no route shows.
            let again = try await gateway.send(.delete, "/v1/jobs/inv-1?purge=true", token: "tokA")
            #expect(again.status == .ok && again.json?["objects"] as? Int == 0 && again.json?["events"] as? Int == 0, "\(again.text)")
            let reused = try await gateway.upload("inv-1", token: "tokA")
            #expect(reused.status == .conflict && reused.error.code == "job_exists" && reused.text.contains("purged"), "\(reused.text)")
            #expect((try await gateway.send(.get, "/v1/jobs", token: "tokA").json?["jobs"] as? [Any])?.isEmpty == true)

            // beta's inv-1 is another job: all of it stays.
            #expect(try await gateway.send(.get, "/v1/jobs/inv-1", token: "tokB").status == .ok)
            #expect(try await gateway.send(.get, "/v1/reviews/inv-1.1", token: "tokB").status == .ok)
            #expect(try await reviews.crop("beta=inv-1.1") != nil)
            #expect(FileManager.default.fileExists(atPath: gateway.storeDirectory + "/tenants/beta/results/inv-1.extraction.json"))
        }
    }

    @Test func aJobThatHasNotEndedIsNotPurged() async throws {
        try await RouteTestGateway.run(Self.tenants) { gateway in
            #expect(try await gateway.upload("waiting", token: "tokA").status == .accepted)
            let refused = try await gateway.send(.delete, "/v1/jobs/waiting?purge=true", token: "tokA")
            #expect(refused.status == .conflict && refused.error.code == "job_not_ended", "\(refused.text)")
            #expect(refused.text.contains("cancel it"))
            // Nothing was touched: the upload is still there for the worker.
            #expect(FileManager.default.fileExists(atPath: gateway.storeDirectory + "/tenants/alpha/sources/waiting/source"))
            #expect(try await gateway.send(.get, "/v1/jobs/waiting", token: "tokA").status == .ok)
        }
    }

    @Test func theRetentionSweepPurgesJobsThatEndedLongerAgoThanItKeepsThem() async throws {
        try await RouteTestGateway.run(Self.tenants) { gateway in
            try await Self.twoReviewedJobs(gateway)
            #expect(try await gateway.upload("waiting", token: "tokA").status == .accepted)
            // A job a publisher named `alpha=` (alpha's, with no id of its own): its purge must
            // not take alpha's folders for its own.
            try await JobStateStore(connection: gateway.nats).put(JobState(jobID: "alpha=", state: .cancelled))
            let sweep = RetentionSweep(gateway: gateway.gateway, retention: .seconds(86_400))
            // Ended just now: kept.
            #expect(await sweep.sweep(now: Date()) == 0)
            #expect(try await gateway.send(.get, "/v1/jobs/inv-1", token: "tokA").status == .ok)
            // Two days on, both ended jobs are past a day's retention; the queued one is not ended.
            #expect(await sweep.sweep(now: Date().addingTimeInterval(2 * 86_400)) == 3)
            #expect(FileManager.default.fileExists(atPath: gateway.storeDirectory + "/tenants/alpha/sources/waiting/source"))
            #expect(try await gateway.send(.get, "/v1/jobs/inv-1", token: "tokA").status == .notFound)
            #expect(try await gateway.send(.get, "/v1/jobs/inv-1", token: "tokB").status == .notFound)
            #expect(try await gateway.send(.get, "/v1/reviews/inv-1.2", token: "tokB").status == .notFound)
            #expect(try await gateway.send(.get, "/v1/jobs/waiting", token: "tokA").status == .ok)
            // The purges' markers are swept too, once they are past retention: nothing is left to read.
            #expect(await sweep.sweep(now: Date().addingTimeInterval(4 * 86_400)) == 0)
            let left = try await gateway.gateway.streams.states().ended(before: Date().addingTimeInterval(4 * 86_400), limit: 100)
            #expect(left.jobs.isEmpty && left.markers.isEmpty, "\(left)")
        }
    }

    /// Until a job's terminal event is out, the worker that ended it may still write its dead
    /// letter and event: a purge then would be undone.
    @Test func aJobWhoseEndIsNotAnnouncedYetIsNotPurged() async throws {
        try await RouteTestGateway.run(Self.tenants) { gateway in
            var state = JobState(jobID: "alpha=ending", state: .failed)
            state.finishedAt = Date()
            try await JobStateStore(connection: gateway.nats).put(state)
            let refused = try await gateway.send(.delete, "/v1/jobs/ending?purge=true", token: "tokA")
            #expect(refused.status == .conflict && refused.error.code == "job_not_ended" && refused.text.contains("still being recorded"))
            #expect(try await gateway.send(.get, "/v1/jobs/ending", token: "tokA").status == .ok)
        }
    }

    /// A gateway without tokens keeps a job under its bus id, `=` and all, at the store's root:
    /// that is where its purge looks, and nothing of another job's goes.
    @Test func aTokenlessGatewayPurgesTheObjectsItStoredUnderTheJobsOwnID() async throws {
        try await RouteTestGateway.run { gateway in
            try FileManager.default.createDirectory(atPath: gateway.storeDirectory + "/results", withIntermediateDirectories: true)
            for id in ["dGVzdA==", "dGVzdA", "acme="] {
                #expect(try await gateway.upload(id).status == .accepted)
                var state = JobState(jobID: id, state: .cancelled)
                state.finishedAt = Date().addingTimeInterval(-3600)
                let states = try await JobStateStore(connection: gateway.nats)
                let record = try #require(try await states.read(id))
                _ = try await states.replace(state, revision: record.revision)
                try await gateway.nats.publish(Subjects.event(.cancelled, jobID: id), payload: Array("{}".utf8))
                try Data("result".utf8).write(to: URL(fileURLWithPath: gateway.storeDirectory + "/results/\(id).md"))
            }
            let purged = try await gateway.send(.delete, "/v1/jobs/dGVzdA==?purge=true")
            #expect(purged.status == .ok && purged.json?["objects"] as? Int == 2, "\(purged.text)")
            let manager = FileManager.default
            #expect(!manager.fileExists(atPath: gateway.storeDirectory + "/sources/dGVzdA==/source"))
            #expect(!manager.fileExists(atPath: gateway.storeDirectory + "/results/dGVzdA==.md"))
            // The others' objects stay.
            #expect(manager.fileExists(atPath: gateway.storeDirectory + "/sources/dGVzdA/source"))
            #expect(manager.fileExists(atPath: gateway.storeDirectory + "/results/dGVzdA.md"))
            #expect(manager.fileExists(atPath: gateway.storeDirectory + "/sources/acme=/source"))
        }
    }
}
