import Foundation
import OCRFleetAPI
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import Testing
import VLLMDouble

/// Office files through the fleet: DOCX, PPTX and XLSX read from their XML, the rest (and
/// those in `ocr` mode) converted by LibreOffice.
@Suite(.serialized) struct OfficeDocumentTests {
    static func completed(
        _ fixture: String,
        options: Components.Schemas.Options,
        fleet: TestFleet,
        jobID: String
    ) async throws
        -> (JobCompleted, String)
    {
        let (outcome, markdown) = try await RecognitionModeTests.run(fixture, options: options, fleet: fleet, jobID: jobID)
        guard case .completed(let completed)? = outcome else {
            throw TestEnvironmentError("\(jobID) did not complete: \(String(describing: outcome))")
        }
        return (completed, markdown)
    }

    @Test func aDOCXIsWrittenFromItsXMLWithItsPictureReadByTheEngine() async throws {
        try await withVLLMDouble { vllm in
            try await withFleet(workerEnvironment: ["OCR_VLLM_URL": vllm.baseURL]) { fleet in
                let (completed, markdown) = try await Self.completed(
                    "office/handbook.docx",
                    options: .init(engine: .deepseek),
                    fleet: fleet,
                    jobID: "docx-hybrid"
                )
                #expect(completed.usage.pagesText == 1 && completed.usage.pagesOCR == 0)
                #expect(vllm.double.statistics.completions == 1, "one call, for the embedded picture")
                #expect(markdown.contains("# Fleet Handbook\n\n"))
                #expect(markdown.contains("| Total |  | 21 |"))
                let picture = try #require(markdown.range(of: "pinned in every depot."))
                let after = try #require(markdown.range(of: "Drive carefully"))
                let between = String(markdown[picture.upperBound..<after.lowerBound])
                let truth = try #require(Fixtures.truth["invoice.png"]?.first)
                #expect(Fixtures.recall(truth: truth, recognised: between) > 0.8, "\(between)")

                let (textOnly, plain) = try await Self.completed(
                    "office/handbook.docx",
                    options: .init(engine: .deepseek, mode: .text),
                    fleet: fleet,
                    jobID: "docx-text"
                )
                #expect(textOnly.usage.pagesText == 1 && vllm.double.statistics.completions == 1)
                #expect(plain.contains("# Fleet Handbook") && !plain.contains("Garden Supplies"))
            }
        }
    }

    @Test func ocrModeRendersADOCXThroughLibreOffice() async throws {
        var behaviour = VLLMDouble.Behaviour()
        behaviour.recognizeText = false
        try await withVLLMDouble(behaviour) { vllm in
            try await withFleet(workerEnvironment: ["OCR_VLLM_URL": vllm.baseURL]) { fleet in
                let (completed, _) = try await Self.completed(
                    "office/handbook.docx",
                    options: .init(engine: .deepseek, mode: .ocr),
                    fleet: fleet,
                    jobID: "docx-ocr"
                )
                #expect(completed.usage.pagesText == 0 && completed.usage.pagesOCR == completed.pages)
                #expect(completed.pages >= 1 && vllm.double.statistics.completions == completed.pages)
            }
        }
    }

    @Test(arguments: ["handbook.doc", "handbook.odt"])
    func legacyAndOpenDocumentTextGoThroughLibreOffice(_ fixture: String) async throws {
        try await withFleet { fleet in
            let (completed, markdown) = try await Self.completed(
                "office/\(fixture)",
                options: .init(),
                fleet: fleet,
                jobID: "lo-\(fixture.replacingOccurrences(of: ".", with: "-"))"
            )
            #expect(completed.usage.pagesText == completed.pages, "LibreOffice's PDF has a text layer")
            #expect(markdown.contains("# Fleet Handbook"))
            #expect(markdown.contains("- Check the tyres\n  - Front tyres"), "\(markdown)")
        }
    }

    /// A legacy workbook becomes XLSX and is read from its XML: its long notes and TRUE stay
    /// (LibreOffice's PDF of it cut the notes to their cells' width and printed TRUE as 1).
    @Test func aLegacyWorkbookKeepsEveryCell() async throws {
        try await withFleet { fleet in
            let (completed, markdown) = try await Self.completed("office/measures.xls", options: .init(), fleet: fleet, jobID: "xls")
            #expect(completed.pages == 2 && completed.usage.pagesText == 2)
            #expect(
                markdown
                    == """
                    <!-- page 1 -->

                    \(Fixtures.measuresSheets[0])

                    ---

                    <!-- page 2 -->

                    \(Fixtures.measuresSheets[1])

                    """,
                "\(markdown)"
            )
        }
    }

    @Test func slidesAndSheetsAreReadFromTheirXML() async throws {
        try await withFleet { fleet in
            let (deck, slides) = try await Self.completed("office/deck.pptx", options: .init(), fleet: fleet, jobID: "pptx")
            #expect(deck.pages == 2 && deck.usage.pagesText == 2)
            #expect(slides.contains("<!-- page 2 -->\n\n# Depot Numbers\n\n| Depot | Vans |"))
            #expect(slides.contains("> **Notes:** Thank the drivers before the numbers."))
            let (_, sheets) = try await Self.completed("office/ledger.xlsx", options: .init(), fleet: fleet, jobID: "xlsx")
            #expect(sheets.contains("| 2026-03-02 | Leeds | 120 |") && sheets.contains("| Total |  | 215 |"), "\(sheets)")
        }
    }

    @Test func pageRangesSelectSlidesAndSheets() async throws {
        try await withFleet { fleet in
            let (deck, slides) = try await Self.completed("office/deck.pptx", options: .init(pages: "2"), fleet: fleet, jobID: "slide-2")
            #expect(deck.pages == 1 && slides.hasPrefix("<!-- page 2 -->\n\n# Depot Numbers"))
            let (outcome, _) = try await RecognitionModeTests.run("office/ledger.xlsx", options: .init(pages: "3-"), fleet: fleet, jobID: "sheet-3")
            guard case .failed(let failed)? = outcome else {
                Issue.record("not failed: \(String(describing: outcome))")
                return
            }
            #expect(failed.error.code == .invalidJob && failed.error.message.contains("past the last page (2)"))
        }
    }

    @Test func aConversionOverItsTimeLimitIsKilled() async throws {
        // LibreOffice alone takes longer than a second to start.
        try await withFleet(workerEnvironment: ["OCR_CONVERSION_TIMEOUT_S": "1", "OCR_MAX_DELIVER": "1"]) { fleet in
            let (outcome, _) = try await RecognitionModeTests.run("office/handbook.odt", options: .init(), fleet: fleet, jobID: "slow-lo")
            guard case .failed(let failed)? = outcome else {
                Issue.record("not failed: \(String(describing: outcome))")
                return
            }
            #expect(failed.error.code == .engineTimeout && failed.error.message.contains("within 1 s"))
            // Its processes are gone: nothing still runs from the job's work directory.
            let gone = try await eventually(within: .seconds(10)) {
                let survivors = Process()
                survivors.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
                survivors.arguments = ["-f", "ocr-slow-lo-"]
                survivors.standardOutput = FileHandle.nullDevice
                try survivors.run()
                try await BuiltExecutable.waitForExit(survivors)
                return survivors.terminationStatus == 1
            }
            #expect(gone, "no process left")
        }
    }

    @Test func withoutLibreOfficeTheJobSaysWhatToInstall() async throws {
        try await withFleet(workerEnvironment: ["OCR_LIBREOFFICE": "/nonexistent/soffice"]) { fleet in
            let (outcome, _) = try await RecognitionModeTests.run("office/handbook.odt", options: .init(), fleet: fleet, jobID: "no-lo")
            guard case .failed(let failed)? = outcome else {
                Issue.record("not failed: \(String(describing: outcome))")
                return
            }
            #expect(failed.error.code == .unsupportedFormat && !failed.willRetry)
            #expect(failed.error.message.contains("apt-get install libreoffice-writer-nogui"))
        }
    }
}
