import Foundation
import OCRFleetAPI
import OCRFleetBus
import OCRFleetClient
import OCRFleetModel
import OCRFleetTesting
import Testing
import VLLMDouble

/// A mixed fleet (docs/lanes.md#mixed-fleets): a job that needs DeepSeek-OCR waits, unspent,
/// for a worker with a healthy vLLM server; a CPU-only worker never fails it.
@Suite(.serialized) struct EngineRoutingTests {
    @Test func aJobThatNeedsDeepSeekWaitsForAWorkerThatCanRunIt() async throws {
        try await withVLLMDouble { vllm in
            // The fleet's own worker is CPU-only: no OCR_VLLM_URL.
            try await withFleet { fleet in
                let recorder = try fleet.recordEvents()
                try await fleet.nats.flush()
                // Through the gateway, routed to ocr.jobs.interactive.gpu.
                try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "routed", options: .init(engine: .deepseek))
                // From a publisher that names no lane: the CPU worker hands it to the GPU route.
                let unrouted = JobEvent.request(
                    try fleet.storedJob("unrouted", "invoice.png", options: JobOptions(engine: .deepseek, priority: .batch)),
                    source: "urn:test"
                )
                try await fleet.nats.publish(
                    Subjects.jobs,
                    payload: try [UInt8](CloudEventCoding.encoder().encode(unrouted)),
                    messageID: unrouted.id
                )
                // An auto job behind them runs on the CPU worker, with Tesseract.
                try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "auto")
                let events = try await recorder.events { $0.data.header.jobID == "auto" && $0.kind == .completed }
                #expect(try await fleet.waitForTerminalState("auto").engine == "tesseract")
                let handedOn = try await Self.until(timeout: .seconds(60)) {
                    let consumers = try await fleet.server.consumers(of: StreamNames.jobs)
                    return consumers["ocr-gpu"]?.pending == 1 && consumers["ocr-batch-gpu"]?.pending == 1
                        && consumers[StreamNames.unroutedConsumer]?.ackPending == 0
                }
                let consumers = try await fleet.server.consumers(of: StreamNames.jobs)
                #expect(handedOn, "\(consumers)")
                // Neither was started, failed or charged a delivery.
                #expect(!events.contains { ["routed", "unrouted"].contains($0.data.header.jobID) })
                #expect(try await fleet.client().state("routed").state == .queued)
                #expect(consumers["ocr-gpu"]?.delivered == 0 && consumers["ocr-batch-gpu"]?.delivered == 0)

                // A worker with a vLLM server joins and runs both, once each.
                let gpuWorker = try BuiltExecutable.run(
                    "ocr-worker",
                    [],
                    environment: [
                        "OCR_NATS_URL": fleet.server.url, "OCR_VLLM_URL": vllm.baseURL, "OCR_WORKER_NAME": "gpu-worker",
                        "OCR_LOG_LEVEL": "error",
                    ]
                )
                defer { gpuWorker.terminate() }
                for jobID in ["routed", "unrouted"] {
                    let state = try await fleet.waitForTerminalState(jobID)
                    #expect(state.state == .completed && state.engine == "deepseek" && state.attempts == 1, "\(state)")
                    #expect(state.worker == "gpu-worker")
                }
                #expect(vllm.double.statistics.completions == 2)

                // The same job published again, with only the CPU worker left: it has ended,
                // so it is settled there, not handed on to be run again.
                gpuWorker.terminate()
                gpuWorker.waitUntilExit()
                let again = JobEvent.request(unrouted.data, source: "urn:test")
                try await fleet.nats.publish(
                    Subjects.jobs,
                    payload: try [UInt8](CloudEventCoding.encoder().encode(again)),
                    messageID: again.id
                )
                let settled = try await Self.until(timeout: .seconds(60)) {
                    try await StoredMessages(connection: fleet.nats, stream: StreamNames.jobs).bounds().count == 0
                }
                #expect(settled)
                let after = try await fleet.server.consumers(of: StreamNames.jobs)
                #expect(after["ocr-batch-gpu"]?.delivered == 1 && after["ocr-batch-gpu"]?.pending == 0)
                #expect(try await fleet.client().state("unrouted").attempts == 1)
            }
        }
    }

    /// Polls `condition` until it holds or `timeout` passes: a wait for what the fleet does,
    /// bounded so a test that breaks fails instead of hanging.
    static func until(timeout: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }
}
