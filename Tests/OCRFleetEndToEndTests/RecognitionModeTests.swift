import Foundation
import OCRFleetAPI
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import Testing
import VLLMDouble

/// `options.mode`: each page takes its best path, and the engine is called only for pages
/// that need it.
@Suite(.serialized) struct RecognitionModeTests {
    /// The job's `completed` (or `failed`) event and its markdown.
    static func run(
        _ fixture: String,
        options: Components.Schemas.Options,
        fleet: TestFleet,
        jobID: String
    ) async throws
        -> (LifecycleData.Body?, String)
    {
        let recorder = try fleet.recordEvents("ocr.events.*.\(jobID)")
        try await fleet.nats.flush()
        try await fleet.submit(file: Fixtures.path(fixture), jobID: jobID, options: options)
        let events = try await recorder.events { $0.kind == .completed || $0.kind == .failed }
        // The event goes out just before the job's KV state says so, and the result is served by state.
        _ = try await fleet.waitForTerminalState(jobID)
        let (_, markdown) = try await fleet.request("GET", "/v1/jobs/\(jobID)/result")
        return (events.last?.data.body, markdown)
    }

    @Test func hybridWritesBornDigitalPagesWithoutTheEngineAndOCRModeSendsThemAll() async throws {
        try await withVLLMDouble { vllm in
            try await withFleet(workerEnvironment: ["OCR_VLLM_URL": vllm.baseURL]) { fleet in
                let (hybrid, markdown) = try await Self.run("office/report.pdf", options: .init(engine: .deepseek), fleet: fleet, jobID: "hybrid")
                guard case .completed(let completed)? = hybrid else {
                    Issue.record("not completed: \(String(describing: hybrid))")
                    return
                }
                #expect(completed.usage.pagesText == 3 && completed.usage.pagesOCR == 0)
                #expect(vllm.double.statistics.completions == 0)
                #expect(markdown.contains("<!-- page 2 -->\n\n# Section 2: Depot Operations\n\n"))

                let (ocr, _) = try await Self.run("office/report.pdf", options: .init(engine: .deepseek, mode: .ocr), fleet: fleet, jobID: "ocr")
                guard case .completed(let recognised)? = ocr else {
                    Issue.record("not completed: \(String(describing: ocr))")
                    return
                }
                #expect(recognised.usage.pagesText == 0 && recognised.usage.pagesOCR == 3)
                // Each page went to the engine (a request the worker timed out on a loaded
                // machine is sent again, which is no concern here).
                #expect(vllm.double.statistics.distinctImages.count == 3)
            }
        }
    }

    @Test func aScanWithAnInvisibleOCRLayerGoesToTheEngineUnlessOnlyTextIsAskedFor() async throws {
        try await withVLLMDouble { vllm in
            try await withFleet(workerEnvironment: ["OCR_VLLM_URL": vllm.baseURL]) { fleet in
                let (hybrid, _) = try await Self.run("office/scanned.pdf", options: .init(engine: .deepseek), fleet: fleet, jobID: "scan-hybrid")
                guard case .completed(let completed)? = hybrid else {
                    Issue.record("not completed: \(String(describing: hybrid))")
                    return
                }
                #expect(completed.usage.pagesOCR == 1 && vllm.double.statistics.distinctImages.count == 1)

                let (text, markdown) = try await Self.run(
                    "office/scanned.pdf",
                    options: .init(engine: .deepseek, mode: .text),
                    fleet: fleet,
                    jobID: "scan-text"
                )
                guard case .completed(let fromLayer)? = text else {
                    Issue.record("not completed: \(String(describing: text))")
                    return
                }
                #expect(fromLayer.usage.pagesText == 1 && vllm.double.statistics.distinctImages.count == 1)
                let truth = try String(contentsOfFile: Fixtures.path("office/report.txt"), encoding: .utf8)
                    .components(separatedBy: "\u{0C}")[0]
                #expect(Fixtures.recall(truth: truth, recognised: markdown) > 0.9)
            }
        }
    }

    @Test func textModeOnAnImageIsAnInvalidJob() async throws {
        try await withFleet { fleet in
            let (outcome, _) = try await Self.run("invoice.png", options: .init(mode: .text), fleet: fleet, jobID: "text-image")
            guard case .failed(let failed)? = outcome else {
                Issue.record("not failed: \(String(describing: outcome))")
                return
            }
            #expect(failed.error.code == .invalidJob && !failed.willRetry)
            #expect(failed.error.message.contains("options.mode text"))
        }
    }

    @Test func aPageTheEngineFailsOnIsReplacedByItsTextLayer() async throws {
        // Other pages are answered at once, so only the hung one runs out of time on a busy machine.
        var behaviour = VLLMDouble.Behaviour()
        behaviour.recognizeText = false
        try await withVLLMDouble(behaviour) { vllm in
            let environment = ["OCR_VLLM_URL": vllm.baseURL, "OCR_MAX_INFLIGHT_PAGES": "1", "OCR_PAGE_TIMEOUT_S": "2"]
            try await withFleet(workerEnvironment: environment) { fleet in
                // The first page's request and its one retry never come back.
                vllm.double.inject(.hang, count: 2)
                let (outcome, markdown) = try await Self.run(
                    "office/report.pdf",
                    options: .init(engine: .deepseek, mode: .ocr),
                    fleet: fleet,
                    jobID: "stand-in"
                )
                guard case .completed(let completed)? = outcome else {
                    Issue.record("not completed: \(String(describing: outcome))")
                    return
                }
                #expect(completed.pagesFailed == [1])
                let first = try #require(Fixtures.pages(of: markdown).first)
                #expect(markdown.contains("could not be recognised (engine_timeout); its text layer stands in -->\n\n# Section 1"))
                #expect(first.contains("# Section 1: Depot Operations"), "\(first)")
            }
        }
    }

    @Test func runningHeadersAndFootersAreMarkedOrDroppedAsTheJobAsks() async throws {
        try await withFleet { fleet in
            let (marked, markdown) = try await Self.run("structure/running.pdf", options: .init(), fleet: fleet, jobID: "running-mark")
            guard case .completed(let completed)? = marked else {
                Issue.record("not completed: \(String(describing: marked))")
                return
            }
            #expect(completed.usage.pagesText == 5)
            #expect(markdown.hasPrefix("<!-- page 1 -->\n\n<!-- header: Journal of Fleet Studies, Vol 2 -->\n\n# Part 1: Keys"))
            #expect(markdown.contains("<!-- page 2 -->\n\n<!-- header: Harbour depots compared -->\n\n# Part 2: Fuel"))
            #expect(markdown.contains("January.\n\n<!-- footer: Page 5 of 5 -->\n"))

            let (_, dropped) = try await Self.run(
                "structure/running.pdf",
                options: .init(headersFooters: .drop),
                fleet: fleet,
                jobID: "running-drop"
            )
            #expect(dropped.hasPrefix("<!-- page 1 -->\n\n# Part 1: Keys and checks\n\n"))
            #expect(!dropped.contains("header:") && !dropped.contains("footer:") && !dropped.contains("Page 2 of 5"))
            #expect(dropped.hasSuffix("Records older than that are shredded in January.\n"))
        }
    }
}
