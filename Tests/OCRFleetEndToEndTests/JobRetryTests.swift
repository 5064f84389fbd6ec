import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCRFleetBus
import OCRFleetContent
import OCRFleetModel
import OCRFleetTesting
import Testing

/// A failed job whose URLs into the gateway's store expired runs again through
/// `POST /v1/jobs/{id}/retry`, which signs them afresh; `ocrctl dlq replay`, which cannot,
/// points there.
@Suite(.serialized) struct JobRetryTests {
    static let tokens = ["OCR_API_TOKENS": "tokA:alpha,tokB:beta"]

    @Test func anUploadWhoseURLsExpiredIsRetriedWithFreshOnes() async throws {
        // The fleet's gateway signs for 2 s, so its URLs expire while no worker runs; the
        // retries go to a replica signing for an hour, so the retried job has time to finish.
        let shortLived = Self.tokens.merging(["OCR_URL_TTL_S": "2"]) { $1 }
        try await withFleet(gatewayEnvironment: shortLived, runWorker: false, natsUsers: true) { fleet in
            let users = try #require(fleet.server.users)
            let failures = try fleet.recordEvents("ocr.events.failed.>")
            try await fleet.nats.flush()
            try await fleet.upload("invoice.png", as: "late", token: "tokA", expecting: 202)
            let expiry = try await Self.latestExpiry(ofQueuedJobIn: fleet)
            // A job of alpha's whose source is outside alpha's part of the store, expired.
            let elsewhere = fleet.store.presignedURL(.get, objectKey: "elsewhere/gone.png", expires: Date().addingTimeInterval(-60))
            let job = #"{"job_id": "gone", "source": {"url": "\#(elsewhere)"}}"#
            let posted = try await fleet.request("POST", "/v1/jobs", body: Array(job.utf8), contentType: "application/json", token: "tokA")
            #expect(posted.status == 202, "\(posted)")

            try await Task.sleep(for: .seconds(max(0, expiry.timeIntervalSinceNow) + 0.5))
            let environment = users.environment(.worker).merging([
                "OCR_NATS_URL": fleet.server.url, "OCR_MAX_DELIVER": "1", "OCR_WORKER_NAME": "after-expiry",
                "OCR_LOG_LEVEL": "error",
            ]) { $1 }
            let worker = try BuiltExecutable.run("ocr-worker", [], environment: environment)
            defer { worker.terminate() }
            // With one delivery each job fails once, for good; its failed event comes after its dead letter.
            for event in try await failures.events(count: 2) {
                guard case .failed(let failed) = event.data.body else { continue }
                #expect([ErrorCode.sourceNotFound, .resultRejected].contains(failed.error.code), "\(failed)")
            }

            // The operator's replay cannot sign the gateway's URLs: it keeps the letter and says what can.
            let replayed = try await NATSUserTests.ocrctl(["dlq", "replay", "alpha=late", "--nats", fleet.server.url], fleet)
            #expect(replayed.status == 1 && replayed.output.contains("ocrctl retry late with a token of tenant alpha"), "\(replayed.output)")

            // Another tenant's retry is a missing job's.
            let missing = try await fleet.request("POST", "/v1/jobs/no-such-job/retry", token: "tokB")
            let other = try await fleet.request("POST", "/v1/jobs/late/retry", token: "tokB")
            #expect(missing.status == 404 && other.status == 404)
            #expect(other.body == missing.body.replacingOccurrences(of: "no-such-job", with: "late"))

            let longLived = Self.tokens.merging(["OCR_URL_TTL_S": "3600"]) { $1 }
            try await fleet.withAnotherGateway(environment: longLived) { replica in
                // The foreign URL is not the gateway's to sign: named, and the job stays failed.
                let foreign = try await Self.post(replica, "/v1/jobs/gone/retry", token: "tokA", fleet)
                #expect(foreign.status == 422, "\(foreign)")
                #expect(foreign.body.contains(#""code":"url_expired""#) && foreign.body.contains(#""field":"source.url""#))

                // Two retries at once: one replays, the other finds the job no longer failed.
                async let byCommand = DeadLetterCommandTests.run(["retry", "late", "--gateway", replica, "--token", "tokA"])
                async let byRequest = Self.post(replica, "/v1/jobs/late/retry", token: "tokA", fleet)
                let (command, request) = try await (byCommand, byRequest)
                #expect((command.status == 0) != (request.status == 202), "\(command) \(request)")
                if command.status == 0 {
                    #expect(command.output == "retry of late accepted (queued)\n")
                    #expect(request.status == 409 && request.body.contains(#""code":"job_not_failed""#), "\(request)")
                } else {
                    #expect(command.output.contains("job_not_failed"), "\(command.output)")
                    #expect(request.body.contains(#""state":"queued""#), "\(request)")
                }
            }

            let state = try await fleet.waitForTerminalState("late", token: "tokA")
            #expect(state.state == .completed, "\(state)")
            let markdown = try await fleet.request("GET", "/v1/jobs/late/result", token: "tokA")
            #expect(markdown.status == 200 && Fixtures.words(markdown.body).contains("garden"), "\(markdown)")
            let again = try await fleet.request("POST", "/v1/jobs/late/retry", token: "tokA")
            #expect(again.status == 409 && again.body.contains(#""code":"job_not_failed""#), "\(again)")

            // The replayed letter is gone; once the other is purged, its job has none to retry from.
            let listed = try await NATSUserTests.ocrctl(["dlq", "list", "--nats", fleet.server.url], fleet).output
            #expect(listed.contains(" alpha=gone ") && !listed.contains(" alpha=late "), "\(listed)")
            #expect(try await NATSUserTests.ocrctl(["dlq", "purge", "--yes", "--nats", fleet.server.url], fleet).status == 0)
            let purged = try await fleet.request("POST", "/v1/jobs/gone/retry", token: "tokA")
            #expect(purged.status == 409 && purged.body.contains(#""code":"no_dead_letter""#), "\(purged)")

            // Each user, the gateway's above all, did all of it with what it may do.
            #expect(NATSUserTests.violations(fleet).isEmpty, "\(NATSUserTests.violations(fleet))")
        }
    }

    /// When the URLs of the job waiting in `OCR_JOBS` expire, read as the worker's user (the
    /// one that may read queued jobs).
    static func latestExpiry(ofQueuedJobIn fleet: TestFleet) async throws -> Date {
        let reader = try await NATSUserTests.connect(.worker, fleet)
        defer { reader.close() }
        let message = try #require(try await StoredMessages(connection: reader, stream: StreamNames.jobs).last(on: Subjects.jobsWildcard))
        let job = try CloudEventCoding.decoder().decode(JobEvent.self, from: Data(message.payload)).data
        let expiries = [job.source.url, job.result.url, job.result.layoutURL].compactMap { $0.flatMap(PresignedURL.expiry) }
        return try #require(expiries.max())
    }

    /// `POST` to another replica than the fleet's own gateway.
    static func post(
        _ base: String,
        _ path: String,
        token: String,
        _ fleet: TestFleet
    ) async throws
        -> (status: Int, body: String)
    {
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await fleet.http.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }
}
