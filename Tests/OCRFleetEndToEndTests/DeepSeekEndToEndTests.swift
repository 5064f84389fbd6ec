import Foundation
import OCRFleetAPI
import OCRFleetBus
import OCRFleetClient
import OCRFleetModel
import OCRFleetTesting
import Testing
import VLLMDouble

/// The DeepSeek-OCR engine through gateway → NATS → worker → vLLM double → store.
@Suite(.serialized) struct DeepSeekEndToEndTests {
    static func completed(_ events: [LifecycleEvent]) -> JobCompleted? {
        guard case .completed(let completed) = events.last?.data.body else { return nil }
        return completed
    }

    @Test func aPDFBecomesCleanMarkdownWithItsLayout() async throws {
        try await withVLLMDouble { vllm in
            try await withFleet(workerEnvironment: ["OCR_VLLM_URL": vllm.baseURL]) { fleet in
                let jobID = "deepseek-report"
                let recorder = try fleet.recordEvents("ocr.events.*.\(jobID)")
                try await fleet.nats.flush()
                try await fleet.submit(file: Fixtures.path("report-3p.pdf"), jobID: jobID, options: .init(engine: .deepseek, mode: .ocr))
                let events = try await recorder.events { $0.kind == .completed || $0.kind == .failed }
                let completed = try #require(Self.completed(events), "events: \(events.map(\.kind))")
                #expect(try await fleet.waitForTerminalState(jobID).state == .completed)
                #expect(completed.engine == "deepseek" && completed.pages == 3 && completed.pagesFailed.isEmpty)
                #expect(completed.pagesIncomplete.isEmpty && completed.layout != nil)

                let (_, markdown) = try await fleet.request("GET", "/v1/jobs/\(jobID)/result")
                #expect(!markdown.contains("<|ref|>") && !markdown.contains("<|det|>") && !markdown.contains("<｜"))
                let truth = try #require(Fixtures.truth["report-3p.pdf"])
                let pages = Fixtures.pages(of: markdown)
                #expect(pages.count == 3)
                for (index, page) in zip(truth.indices, pages) {
                    let recall = Fixtures.recall(truth: truth[index], recognised: page)
                    #expect(recall >= 0.95, "page \(index + 1): recall \(recall)\n\(page)")
                }
                // Pages were sent at the default `base` resolution.
                #expect(vllm.double.statistics.distinctImages.count == 3)

                let (status, layoutText) = try await fleet.request("GET", "/v1/jobs/\(jobID)/layout")
                #expect(status == 200)
                struct Layout: Decodable {
                    struct Page: Decodable {
                        var page, width, height: Int
                        var blocks: [Block]
                    }
                    struct Block: Decodable {
                        var type: String
                        var box: [Int]
                        var text: String
                    }
                    var pages: [Page]
                }
                let layout = try JSONDecoder().decode(Layout.self, from: Data(layoutText.utf8))
                #expect(layout.pages.map(\.page) == [1, 2, 3])
                #expect(layout.pages.allSatisfy { max($0.width, $0.height) == 1024 && !$0.blocks.isEmpty })
            }
        }
    }

    @Test func inflightPagesNeverExceedTheLimitAcrossJobs() async throws {
        var behaviour = VLLMDouble.Behaviour()
        behaviour.recognizeText = false
        // Slow enough answers that even a loaded machine has the next pages ready, so the limit is reached.
        behaviour.latency = .milliseconds(500)
        try await withVLLMDouble(behaviour) { vllm in
            let environment = [
                "OCR_VLLM_URL": vllm.baseURL, "OCR_ENGINE": "deepseek", "OCR_MAX_INFLIGHT_PAGES": "3",
                "OCR_STRAIGHTEN": "false",
            ]
            try await withFleet(workerEnvironment: environment) { fleet in
                let documents = ["report-3p.pdf", "pages-3p.tif", "bench-10p.pdf", "invoice.png"]
                for (index, name) in documents.enumerated() {
                    try await fleet.submit(file: Fixtures.path(name), jobID: "inflight-\(index)", options: .init(mode: .ocr))
                }
                for index in documents.indices {
                    #expect(try await fleet.waitForTerminalState("inflight-\(index)").state == .completed)
                }
                #expect(vllm.double.statistics.completions == 17)
                #expect(vllm.double.statistics.peakInflight == 3)
            }
        }
    }

    @Test func overloadedServersAreRetriedAndTheJobCompletes() async throws {
        try await withVLLMDouble { vllm in
            try await withFleet(workerEnvironment: ["OCR_VLLM_URL": vllm.baseURL, "OCR_ENGINE": "deepseek"]) { fleet in
                vllm.double.inject(.status(503, retryAfter: nil), count: 3)
                try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "deepseek-503")
                let state = try await fleet.waitForTerminalState("deepseek-503")
                #expect(state.state == .completed && state.engine == "deepseek" && state.attempts == 1)
                #expect(vllm.double.statistics.statuses[503] == 3)
            }
        }
    }

    @Test func autoFallsBackToTesseractWhenVLLMIsDown() async throws {
        try await withVLLMDouble { vllm in
            let environment = ["OCR_VLLM_URL": vllm.baseURL, "OCR_VLLM_HEALTH_INTERVAL_S": "1"]
            try await withFleet(workerEnvironment: environment) { fleet in
                try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "auto-up")
                #expect(try await fleet.waitForTerminalState("auto-up").engine == "deepseek")

                await vllm.stop()
                // However soon the health checks notice: an attempt sent to the stopped server
                // marks it down at once and is retried, and the retry goes to Tesseract.
                try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "auto-down")
                let state = try await fleet.waitForTerminalState("auto-down")
                #expect(state.state == .completed && state.engine == "tesseract")

                // A job that insists on DeepSeek waits on the GPU route, which this worker does
                // not pull while its server is down: no attempt is spent on it.
                try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "auto-pinned", options: .init(engine: .deepseek))
                try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "auto-after")
                #expect(try await fleet.waitForTerminalState("auto-after").engine == "tesseract")
                let pinned = try await fleet.server.consumers(of: StreamNames.jobs)["ocr-gpu"]
                #expect(pinned?.pending == 1 && pinned?.delivered == 0, "\(String(describing: pinned))")
                #expect(try await fleet.client().state("auto-pinned").state == .queued)
            }
        }
    }

    @Test func aWrongModelNameStopsTheWorkerAtStartUp() async throws {
        try await withVLLMDouble { vllm in
            try await withNATSServer { nats in
                let errors = Pipe()
                let worker = try BuiltExecutable.run(
                    "ocr-worker",
                    [],
                    environment: [
                        "OCR_NATS_URL": nats.url, "OCR_VLLM_URL": vllm.baseURL, "OCR_VLLM_MODEL": "deepseek-ai/DeepSeek-OCR-typo",
                    ],
                    stdout: errors.fileHandleForWriting,
                    stderr: errors.fileHandleForWriting
                )
                let output = try await BuiltExecutable.readAll(errors, until: worker)
                #expect(worker.terminationStatus != 0)
                #expect(output.contains("serves [deepseek-ai/DeepSeek-OCR], not 'deepseek-ai/DeepSeek-OCR-typo'"), "\(output)")
            }
        }
    }
}
