import Foundation
import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetModel
import OCRFleetTesting
import Testing

@Suite struct TesseractEngineTests {
    @Test func recognisesAnImageFixture() async throws {
        let engine = try TesseractEngine(concurrency: 1)
        let (_, document) = try PagedDocument.open(path: Fixtures.path("invoice.png"), password: nil, limits: .init())
        let text = try await engine.text(of: try document.render(page: 0, dpi: 300, limits: .init()), request: .init())
        #expect(Fixtures.words(text) == Fixtures.words(Fixtures.truth["invoice.png"]![0]))
    }

    @Test func recognisesPagesInParallelWithOneHandleEach() async throws {
        let engine = try TesseractEngine(concurrency: 2)
        let (_, document) = try PagedDocument.open(path: Fixtures.path("report-3p.pdf"), password: nil, limits: .init())
        let pages = try (0..<3).map { try document.render(page: $0, dpi: 300, limits: .init()) }
        let texts = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for (index, page) in pages.enumerated() {
                group.addTask { (index, try await engine.text(of: page, request: .init())) }
            }
            var texts = [String](repeating: "", count: 3)
            for try await (index, text) in group { texts[index] = text }
            return texts
        }
        for (index, text) in texts.enumerated() {
            #expect(Fixtures.words(text) == Fixtures.words(Fixtures.truth["report-3p.pdf"]![index]))
        }
    }

    @Test func refusesLanguagesThatAreNotInstalled() throws {
        let engine = try TesseractEngine(concurrency: 1)
        #expect {
            try engine.validate(RecognitionRequest(languages: ["eng", "xyz"]))
        } throws: { error in
            guard let error = error as? OCRError else { return false }
            return error.code == .invalidJob && error.message.contains("xyz") && error.message.contains("eng")
        }
    }
}
