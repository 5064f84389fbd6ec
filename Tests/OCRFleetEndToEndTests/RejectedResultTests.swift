import Foundation
import OCRFleetBus
import OCRFleetContent
import OCRFleetModel
import OCRFleetTesting
import Testing

/// A result URL its store will never accept ends the job at once, named as such, instead of
/// redoing the OCR on every delivery.
@Suite struct RejectedResultTests {
    @Test func anExpiredOrRefusedResultURLFailsTheJobOnceAndForAll() async throws {
        try await withFleet { fleet in
            let hour = Date().addingTimeInterval(3600)
            let put = fleet.store.presignedURL(.put, objectKey: "in/report.pdf", expires: hour)
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("report-3p.pdf"))))
            #expect(try await fleet.request("PUT", String(put.dropFirst(fleet.gatewayURL.count)), body: bytes).status == 200)
            let source = fleet.store.presignedURL(.get, objectKey: "in/report.pdf", expires: hour)
            let expired = fleet.store.presignedURL(.put, objectKey: "out/expired.md", expires: Date().addingTimeInterval(-60))
            // Signed for another key: the store refuses it with 403 once the markdown is ready.
            let forged = fleet.store.presignedURL(.put, objectKey: "out/other.md", expires: hour)
                .replacingOccurrences(of: "out/other.md", with: "out/forged.md")

            for (jobID, result) in [("expired-result", expired), ("forged-result", forged)] {
                let recorder = try fleet.recordEvents("ocr.events.failed.\(jobID)")
                try await fleet.nats.flush()
                let job = #"{"job_id": "\#(jobID)", "source": {"url": "\#(source)"}, "result": {"url": "\#(result)"}}"#
                #expect(try await fleet.request("POST", "/v1/jobs", body: Array(job.utf8), contentType: "application/json").status == 202)
                let failures = try await recorder.events(count: 1)
                guard case .failed(let failed)? = failures.first?.data.body else {
                    Issue.record("\(jobID): no failed event")
                    continue
                }
                #expect(failed.error.code == .resultRejected && !failed.willRetry, "\(jobID): \(failed)")
                let state = try await fleet.waitForTerminalState(jobID)
                #expect(state.state == .failed && state.attempts == 1, "\(jobID): \(state)")
            }
            #expect(!FileManager.default.fileExists(atPath: fleet.store.path(for: "out/forged.md")))
        }
    }
}
