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

    /// Every line and word comes with its box on the page and Tesseract's confidence, and
    /// the page with its mean confidence, for the layout sidecar and `completed`.
    @Test func linesAndWordsComeWithBoxesAndConfidences() async throws {
        let engine = try TesseractEngine(concurrency: 1)
        let (_, document) = try PagedDocument.open(path: Fixtures.path("invoice.png"), password: nil, limits: .init())
        let image = try document.render(page: 0, dpi: 300, limits: .init())
        let page = try await engine.recognize(page: image, request: .init())
        let lines = page.blocks
        #expect(!lines.isEmpty && lines.allSatisfy { $0.type == "line" })
        #expect((page.width, page.height) == (image.width, image.height))
        let confidence = try #require(page.confidence)
        #expect(confidence > 80 && confidence <= 100, "a clean invoice reads with high confidence: \(confidence)")
        let words = lines.flatMap { $0.words ?? [] }
        // The words are the page's words, in reading order.
        #expect(Fixtures.words(words.map(\.text).joined(separator: " ")) == Fixtures.words(page.markdown))
        for line in lines {
            let lineWords = try #require(line.words)
            #expect(line.text.split(separator: " ").map(String.init) == lineWords.map(\.text), "\(line.text)")
            #expect(line.confidence.map { (0...100).contains($0) } ?? false)
            let (x1, y1, x2, y2) = (line.box[0], line.box[1], line.box[2], line.box[3])
            #expect(0 <= x1 && x1 < x2 && x2 <= page.width && 0 <= y1 && y1 < y2 && y2 <= page.height, "\(line.box)")
            for word in lineWords {
                #expect((0...100).contains(word.confidence))
                // Each word stands on its line: inside it across, its middle inside it down.
                let middle = (word.box[1] + word.box[3]) / 2
                #expect(x1 <= word.box[0] && word.box[2] <= x2 && y1 <= middle && middle <= y2, "\(word) in \(line.box)")
            }
        }
        // The page's is its words' mean (Tesseract weighs each word by its length).
        let mean = words.map(\.confidence).reduce(0, +) / Double(words.count)
        #expect(abs(mean - confidence) <= 5, "\(mean) vs \(confidence)")
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
