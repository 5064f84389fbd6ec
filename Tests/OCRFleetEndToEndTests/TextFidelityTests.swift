import OCRFleetAPI
import OCRFleetModel
import OCRFleetTesting
import Testing

/// The worker folds every page's markdown to NFKC in one place, unless told not to.
@Suite(.serialized) struct TextFidelityTests {
    @Test func ligaturesAreFoldedInTheResultUnlessTurnedOff() async throws {
        let folded = """
            <!-- page 1 -->

            # On the effect of finite differences

            We first show that the two schemes behave differently: the flux is off by a fixed amount, an efficient \
            filter removes it, and the baffling figures of Section 2 follow.

            The office staff filed the final figures.

            """
        try await withFleet { fleet in
            let (event, markdown) = try await RecognitionModeTests.run(
                "text-layer/ligatures.pdf",
                options: .init(),
                fleet: fleet,
                jobID: "ligatures"
            )
            guard case .completed(let completed)? = event else {
                Issue.record("not completed: \(String(describing: event))")
                return
            }
            #expect(completed.usage.pagesText == 1)
            #expect(markdown == folded)
        }
        try await withFleet(workerEnvironment: ["OCR_NORMALIZE_NFKC": "false"]) { fleet in
            let (_, markdown) = try await RecognitionModeTests.run(
                "text-layer/ligatures.pdf",
                options: .init(),
                fleet: fleet,
                jobID: "ligatures-kept"
            )
            #expect(markdown.contains("behave diﬀerently: the ﬂux is oﬀ"))
        }
    }
}
