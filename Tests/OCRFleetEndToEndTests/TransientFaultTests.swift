import Foundation
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import Testing
import VLLMDouble

/// Parts of the fleet failing for a while: the jobs complete after retries.
@Suite(.serialized) struct TransientFaultTests {
    @Test func aStoreAnswering503IsRetriedUntilTheJobCompletes() async throws {
        let source = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("invoice.png"))))
        try await withCountingStore(source: source) { store in
            try await withFleet(workerEnvironment: ["OCR_MAX_DELIVER": "6"]) { fleet in
                let failures = try fleet.recordEvents("ocr.events.failed.flaky-store")
                try await fleet.nats.flush()
                store.fail(downloads: 2, uploads: 2)
                let job = #"""
                    {"job_id": "flaky-store", "source": {"url": "\#(store.baseURL)/source"},
                     "result": {"url": "\#(store.baseURL)/results/flaky-store"}}
                    """#
                _ = try await fleet.request("POST", "/v1/jobs", body: Array(job.utf8), contentType: "application/json")
                let state = try await fleet.waitForTerminalState("flaky-store")
                #expect(state.state == .completed && state.attempts == 5)
                let codes = try await failures.events(count: 4).compactMap { event -> ErrorCode? in
                    guard case .failed(let failed) = event.data.body, failed.willRetry else { return nil }
                    return failed.error.code
                }
                #expect(codes == [.sourceUnreachable, .sourceUnreachable, .resultUploadFailed, .resultUploadFailed])
                #expect(store.uploads["flaky-store"] == 1, "one result stored; the refused PUTs stored nothing")
            }
        }
    }

    @Test func aNATSRestartMidRunLosesNoJob() async throws {
        var behaviour = VLLMDouble.Behaviour()
        behaviour.recognizeText = false
        behaviour.latency = .milliseconds(300)
        try await withVLLMDouble(behaviour) { vllm in
            let environment = ["OCR_VLLM_URL": vllm.baseURL, "OCR_ENGINE": "deepseek", "OCR_MAX_JOBS": "2"]
            try await withFleet(workerEnvironment: environment) { fleet in
                let ids = (0..<12).map { "restart-\($0)" }
                let progress = try fleet.recordEvents("ocr.events.progress.>")
                try await fleet.nats.flush()
                for id in ids { try await fleet.submit(file: Fixtures.path("report-3p.pdf"), jobID: id) }
                // Mid-run: a job has done a page, and most wait in the queue.
                _ = try await progress.events(count: 1)
                try await fleet.server.restart()
                for id in ids {
                    let state = try await fleet.waitForTerminalState(id, timeout: .seconds(120))
                    #expect(state.state == .completed, "\(id): \(state)")
                }
            }
        }
    }
}
