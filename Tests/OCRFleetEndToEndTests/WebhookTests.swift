import Crypto
import Foundation
import OCRFleetModel
import OCRFleetTesting
import Testing

/// Webhooks from a real gateway to a real HTTP receiver.
@Suite(.serialized) struct WebhookTests {
    static let secret = "webhook-test-secret"
    static let gatewayEnvironment = ["OCR_WEBHOOK_SECRET": secret, "OCR_WEBHOOK_RETRY_BASE_S": "0.2"]

    /// What a receiver does: recompute the HMAC over "t.body" with the shared secret.
    static func isSigned(_ delivery: PostReceiver.Delivery) -> Bool {
        guard let header = delivery.headers["ocrfleet-signature"] else { return false }
        let parts = Dictionary(
            uniqueKeysWithValues: header.split(separator: ",").map { part in
                let pair = part.split(separator: "=", maxSplits: 1)
                return (String(pair[0]), String(pair.count > 1 ? pair[1] : ""))
            }
        )
        guard let time = parts["t"], let signature = parts["v1"] else { return false }
        let code = HMAC<SHA256>.authenticationCode(
            for: Array("\(time).".utf8) + delivery.body,
            using: SymmetricKey(data: Data(secret.utf8))
        )
        return code.map { String(format: "%02x", $0) }.joined() == signature
    }

    static func submit(_ fleet: TestFleet, jobID: String, file: String, callback: String) async throws -> (Int, String) {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(file))))
        let escaped = callback.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? callback
        return try await fleet.request(
            "POST",
            "/v1/jobs?job_id=\(jobID)&callback_url=\(escaped)",
            body: bytes,
            contentType: "application/octet-stream"
        )
    }

    @Test func theTerminalEventIsPostedSignedAndRetriedUntilAccepted() async throws {
        try await withPostReceiver(failing: 2) { receiver in
            try await withFleet(gatewayEnvironment: Self.gatewayEnvironment) { fleet in
                let (status, answer) = try await Self.submit(fleet, jobID: "hook-ok", file: "invoice.png", callback: receiver.url)
                #expect(status == 202, "\(answer)")
                let delivered = try await receiver.accepted(1).first!
                #expect(receiver.deliveries.count == 3, "two refusals, then the accepted delivery")
                #expect(Self.isSigned(delivered))
                #expect(delivered.headers["ocrfleet-event"] == "completed")
                #expect(delivered.headers["ocrfleet-job-id"] == "hook-ok")
                #expect(delivered.headers["content-type"] == CloudEventCoding.contentType)
                let event = try LifecycleEvent.decode(delivered.body)
                #expect(event.data.header.jobID == "hook-ok" && event.data.body.kind == .completed)
                #expect(Set(receiver.deliveries.map { $0.headers["ocrfleet-delivery"] ?? "" }) == [event.id])

                // A job that fails for good is reported too; the progress events never are.
                let (failedStatus, _) = try await Self.submit(
                    fleet,
                    jobID: "hook-bad",
                    file: "not-a-document.txt",
                    callback: receiver.url
                )
                #expect(failedStatus == 202)
                let both = try await receiver.accepted(2)
                #expect(both.last?.headers["ocrfleet-event"] == "failed")
                // Once the gateways' consumer holds no event, handled or to come, no delivery can follow.
                let drained = try await eventually {
                    try await fleet.server.consumers(of: StreamNames.events)[StreamNames.webhookConsumer]?.holdsAll(0) == true
                }
                #expect(drained)
                #expect(receiver.deliveries.filter { $0.status == 200 }.count == 2)
            }
        }
    }

    @Test func callbackURLsAreCheckedWhenTheJobIsSubmitted() async throws {
        try await withFleet(gatewayEnvironment: Self.gatewayEnvironment) { fleet in
            let (metadata, body) = try await Self.submit(
                fleet,
                jobID: "hook-metadata",
                file: "invoice.png",
                callback: "http://169.254.169.254/latest"
            )
            #expect(metadata == 400 && body.contains("callback_url"))
            let (scheme, _) = try await Self.submit(fleet, jobID: "hook-scheme", file: "invoice.png", callback: "file:///etc/passwd")
            #expect(scheme == 400)
        }
        try await withFleet { fleet in
            let (status, body) = try await Self.submit(fleet, jobID: "hook-off", file: "invoice.png", callback: "http://127.0.0.1:9/x")
            #expect(status == 400 && body.contains("OCR_WEBHOOK_SECRET"))
        }
    }
}
