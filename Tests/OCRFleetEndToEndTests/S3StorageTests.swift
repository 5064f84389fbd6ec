import Foundation
import OCRFleetAPI
import OCRFleetClient
import OCRFleetContent
import OCRFleetModel
import OCRFleetTesting
import Testing

/// A gateway keeping uploads and results in an S3-compatible bucket (moto's server): the
/// worker reads and writes it through presigned URLs alone.
@Suite(.serialized) struct S3StorageTests {
    @Test func uploadsAndResultsLiveInTheBucket() async throws {
        try await withS3Server { s3 in
            try await withFleet(gatewayEnvironment: s3.gatewayEnvironment(prefix: "fleet/")) { fleet in
                try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "s3-upload")
                let state = try await fleet.waitForTerminalState("s3-upload")
                #expect(state.state == .completed, "\(String(describing: state.error))")
                let result = try #require(state.result)
                #expect(result.url == s3.bucket.objectURL("fleet/results/s3-upload.md"))

                let uploaded = try FileManager.default.attributesOfItem(atPath: Fixtures.path("invoice.png"))[.size] as? Int
                #expect(try await s3.client.head("fleet/sources/s3-upload/source")?.size == uploaded)
                #expect(try await s3.client.head("fleet/results/s3-upload.md")?.size == result.bytes)
                // The gateway answers with a redirect to a presigned GET on the bucket, which
                // the client follows to the markdown.
                let (status, markdown) = try await fleet.request("GET", "/v1/jobs/s3-upload/result")
                #expect(status == 200)
                #expect(markdown.utf8.count == result.bytes)
                #expect(Fixtures.recall(truth: Fixtures.truth["invoice.png"]![0], recognised: markdown) >= 0.95)

                // Purged: every object of the job leaves the bucket (source, markdown, layout).
                let before = try await s3.client.list(prefix: "fleet/").objects.map(\.key)
                let purged = try await fleet.client().purge("s3-upload")
                #expect(purged.objects == before.filter { $0.contains("s3-upload") }.count && purged.objects >= 3, "\(before)")
                #expect(try await s3.client.list(prefix: "fleet/").objects.filter { $0.key.contains("s3-upload") }.isEmpty)
                #expect(try await fleet.request("GET", "/v1/jobs/s3-upload").status == 404)
            }
        }
    }

    @Test func aJobWithAnExpiredSourceURLFailsAsSourceNotFound() async throws {
        try await withS3Server { s3 in
            try await s3.client.put(
                Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("invoice.png")))),
                key: "in/invoice.png",
                contentType: "image/png"
            )
            try await withFleet(gatewayEnvironment: s3.gatewayEnvironment(prefix: "fleet/")) { fleet in
                let expired = s3.bucket.presignedURL(
                    .get,
                    key: "in/invoice.png",
                    lifetime: .seconds(60),
                    now: Date().addingTimeInterval(-3600)
                )
                let body = #"{"job_id": "s3-expired", "source": {"url": "\#(expired)"}}"#
                let (status, answer) = try await fleet.request(
                    "POST",
                    "/v1/jobs",
                    body: Array(body.utf8),
                    contentType: "application/json"
                )
                #expect(status == 202, "\(answer)")
                let state = try await fleet.waitForTerminalState("s3-expired")
                #expect(state.state == .failed)
                #expect(state.error?.code == .sourceNotFound)
                #expect(state.error?.message.contains("expired") == true)
            }
        }
    }
}
