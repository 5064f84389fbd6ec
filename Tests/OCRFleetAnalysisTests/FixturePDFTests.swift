import Foundation
import OCRFleetAnalysis
import OCRFleetDocuments
import OCRFleetMarkdown
import OCRFleetModel
import OCRFleetTesting
import Testing

/// The fixture PDFs themselves, read as the worker reads a text layer (poppler's words,
/// `TextLayerMarkdown`), each word's box in PDF points: their markdown is what expected.json
/// says, and the stages find the expected values, labels and sections in it.
@Suite(.serialized) struct FixturePDFTests {
    static func pages(_ name: String) throws -> (markdown: String, pages: [AnalysisPage]) {
        let pdf = try PDFDocument(path: Fixtures.path("analysis/\(name).pdf"), password: nil)
        let texts = try (0..<pdf.pageCount).map { try pdf.text(page: $0, includeInvisible: false) }
        let written = texts.map { TextLayerMarkdown($0, scale: .init(texts)).markdown }
        let numbers = Array(1...texts.count)
        var pages = AnalysisPage.laidOut(numbers: numbers, markdown: written)
        for index in pages.indices {
            let words = Dictionary(grouping: texts[index].words, by: \.block)
            pages[index].blocks = words.keys.sorted().map { block in
                let analysisWords = words[block]!.map { word in
                    AnalysisWord(
                        text: word.text,
                        box: [Int(word.box.x0), Int(word.box.y0), Int(word.box.x1.rounded(.up)), Int(word.box.y1.rounded(.up))],
                        confidence: 100
                    )
                }
                return AnalysisBlock(box: [], text: analysisWords.map(\.text).joined(separator: " "), words: analysisWords)
            }
        }
        return (AssembledMarkdown.assemble(pages: written, numbers: numbers), pages)
    }

    @Test(arguments: ["invoice-a", "invoice-b", "form", "bundle"])
    func theTextLayerGivesTheExpectedPages(_ name: String) throws {
        #expect(try Self.pages(name).pages.map(\.markdown) == AnalysisFixture.named(name).pages)
    }

    @Test(arguments: ["invoice-a", "invoice-b", "form"])
    func theValuesAreFoundInThePDF(_ name: String) async throws {
        let fixture = AnalysisFixture.named(name)
        let schemaName = try #require(fixture.schema)
        let (markdown, pages) = try Self.pages(name)
        try await AnalysisHarness.withAnalyzer { analyzer, _ in
            let schema = try AnalysisFixture.schema(schemaName)
            let result = try await analyzer.extract(pages, options: ExtractionOptions(schema: schema.source), schema: schema)
            #expect(result.values == fixture.values)
            for field in result.fields where field.citation != nil || [.string, .number].contains(field.value.kind) {
                let citation = try #require(field.citation, "\(field.pointer)")
                #expect(markdown.scalars(citation.markdownRange) == citation.text)
                #expect(citation.box != nil, "\(field.pointer): \(citation.text) has no words")
            }
        }
    }

    @Test func theBundleIsClassifiedAndSplit() async throws {
        let fixture = AnalysisFixture.named("bundle")
        let (markdown, pages) = try Self.pages("bundle")
        try await AnalysisHarness.withAnalyzer { analyzer, _ in
            let classification = try await analyzer.classify(pages, options: try AnalysisFixture.labels)
            #expect(classification.pages.map(\.label) == fixture.pageLabels)
            #expect(classification.label == fixture.label)
            let sections = DocumentAnalyzer.sections(pages, classification: classification)
            #expect(sections.map(\.title) == fixture.sections?.map(\.title))
            #expect(sections.map { [$0.firstPage, $0.lastPage] } == fixture.sections?.map { [$0.firstPage, $0.lastPage] })
            #expect(markdown.scalars(sections[2].markdownRange) == pages[3].markdown)
        }
    }
}

extension JSONValue {
    enum Kind { case null, bool, number, string, array, object }

    var kind: Kind {
        switch self {
        case .null: .null
        case .bool: .bool
        case .number: .number
        case .string: .string
        case .array: .array
        case .object: .object
        }
    }
}
