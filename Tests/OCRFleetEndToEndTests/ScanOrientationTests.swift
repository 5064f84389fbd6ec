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
                guard case .completed? = outcome else {
                    Issue.record("not completed: \(String(describing: outcome))")
                    return
                }
                let truth = try #require(Fixtures.truth[fixture]?.first)
                #expect(Fixtures.recall(truth: truth, recognised: markdown) >= 0.95, "\(markdown)")
            }
        }
    }

    @Test func withoutStraighteningTheSamePageIsUnreadable() async throws {
        try await withFleet(workerEnvironment: ["OCR_STRAIGHTEN": "false"]) { fleet in
            let (_, markdown) = try await RecognitionModeTests.run(
                "invoice-rotated-180.png",
                options: .init(engine: .tesseract),
                fleet: fleet,
                jobID: "not-straightened"
            )
            let truth = try #require(Fixtures.truth["invoice-rotated-180.png"]?.first)
            #expect(Fixtures.recall(truth: truth, recognised: markdown) < 0.5)
        }
    }
}
