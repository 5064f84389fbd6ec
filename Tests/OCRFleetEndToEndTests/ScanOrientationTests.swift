import OCRFleetAPI
import OCRFleetModel
import OCRFleetTesting
import Testing
import VLLMDouble

/// A page scanned on its side or upside down reads as well as an upright one, with either
/// engine (DeepSeek gets it turned; Tesseract turns the pages it reads with low confidence).
@Suite(.serialized) struct ScanOrientationTests {
    @Test(arguments: ["tesseract", "deepseek"], ["invoice-rotated-180.png", "invoice-rotated-90.png"])
    func aTurnedScanReadsAsWellAsAnUprightOne(engine: String, fixture: String) async throws {
        try await withVLLMDouble { vllm in
            try await withFleet(workerEnvironment: ["OCR_VLLM_URL": vllm.baseURL]) { fleet in
                let jobID = "turned-\(engine)"
                let (outcome, markdown) = try await RecognitionModeTests.run(
                    fixture,
                    options: .init(engine: .init(rawValue: engine)),
                    fleet: fleet,
                    jobID: jobID
                )
                guard case .completed(let completed)? = outcome else {
                    Issue.record("not completed: \(String(describing: outcome))")
                    return
                }
                let truth = try #require(Fixtures.truth[fixture]?.first)
                #expect(Fixtures.recall(truth: truth, recognised: markdown) >= 0.95, "\(markdown)")
                #expect(completed.pagesLowConfidence.isEmpty && !markdown.contains("low confidence"))
                if engine == "tesseract" {
                    // Tesseract's confidence, and its lines and words in the layout sidecar.
                    #expect(completed.pageConfidence.count == 1 && completed.pageConfidence[0].confidence > 80)
                    let (status, layout) = try await fleet.request("GET", "/v1/jobs/\(jobID)/layout")
                    #expect(status == 200 && layout.contains(#""type":"line""#) && layout.contains(#""words":["#), "\(layout)")
                } else {
                    #expect(completed.pageConfidence.isEmpty)
                }
            }
        }
    }

    @Test func withoutStraighteningTheSamePageIsUnreadable() async throws {
        try await withFleet(workerEnvironment: ["OCR_STRAIGHTEN": "false"]) { fleet in
            let (outcome, markdown) = try await RecognitionModeTests.run(
                "invoice-rotated-180.png",
                options: .init(engine: .tesseract),
                fleet: fleet,
                jobID: "not-straightened"
            )
            let truth = try #require(Fixtures.truth["invoice-rotated-180.png"]?.first)
            #expect(Fixtures.recall(truth: truth, recognised: markdown) < 0.5)
            // The page read as noise is flagged for whoever routes doubtful pages.
            guard case .completed(let completed)? = outcome else {
                Issue.record("not completed: \(String(describing: outcome))")
                return
            }
            let confidence = try #require(completed.pageConfidence.first?.confidence)
            #expect(confidence < 60 && completed.pagesLowConfidence == [1])
            #expect(markdown.hasPrefix("<!-- page 1 -->\n\n<!-- low confidence: \(Int(confidence.rounded())) -->"), "\(markdown)")
        }
    }
}
