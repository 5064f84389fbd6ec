import Foundation
import OCRFleetLanguageModel
import OCRFleetModel
import OCRFleetTesting
import Testing
import VLLMDouble

@testable import OCRFleetAnalysis

@Suite(.serialized) struct ExtractionTests {
    static func options(_ schema: String) throws -> ExtractionOptions {
        ExtractionOptions(schema: try AnalysisFixture.json(schema, as: JSONValue.self), instructions: "Amounts as numbers.")
    }

    @Test(arguments: ["invoice-a", "invoice-b", "form"])
    func theFixturesValuesAreExtractedWithCitations(_ name: String) async throws {
        let fixture = AnalysisFixture.named(name)
        let schemaName = try #require(fixture.schema)
        try await AnalysisHarness.withAnalyzer { analyzer, server in
            let (markdown, pages) = AnalysisFixture.pages(fixture.pages)
            let result = try await analyzer.extract(pages, options: try Self.options(schemaName), schema: try AnalysisFixture.schema(schemaName))
            #expect(result.error == nil)
            #expect(result.values == fixture.values)
            #expect(result.requests == 1 && result.pieces == 1)
            for (pointer, text) in fixture.citations ?? [:] {
                let field = try #require(result.fields.first { $0.pointer == pointer })
                #expect(field.citation?.text == text, "\(pointer)")
                #expect(field.citation?.page == 1)
            }
            for field in result.fields {
                switch field.value {
                case .string, .number:
                    let citation = try #require(field.citation, "\(field.pointer) is not cited")
                    // The range slices the uploaded markdown to the cited text exactly.
                    #expect(markdown.scalars(citation.markdownRange) == citation.text, "\(field.pointer)")
                    // The box is the union of the cited words' boxes: on one line here.
                    let box = try #require(citation.box)
                    let line = pages[0].blocks.first { $0.box[1] == box[1] }
                    let words = line?.words.filter { $0.box[0] >= box[0] && $0.box[2] <= box[2] }.map(\.text).joined(separator: " ")
                    #expect(words?.contains(citation.text) == true, "\(field.pointer): \(words ?? "no line") for \(citation.text)")
                    // A text layer: the model's 0.9, a first answer, evidence 1.
                    #expect(field.confidenceParts.isClose(to: ConfidenceParts(model: 0.9, validation: 1, evidence: 1)), "\(field.confidenceParts)")
                    #expect(abs((field.confidence ?? 0) - 0.9) < 1e-9)
                default:
                    #expect(field.citation == nil && field.confidenceParts.evidence == nil)
                }
            }
            #expect(result.filled == result.fields.count)
            #expect(server.double.statistics.undelimitedDocuments == 0)
        }
    }

    @Test func fieldsAreInTheAnswersOrderWithPointers() async throws {
        let fixture = AnalysisFixture.named("invoice-a")
        try await AnalysisHarness.withAnalyzer { analyzer, _ in
            let pages = AnalysisFixture.pages(fixture.pages).pages
            let result = try await analyzer.extract(
                pages,
                options: try Self.options("invoice.schema.json"),
                schema: try AnalysisFixture.schema("invoice.schema.json")
            )
            // The double writes members in name order.
            #expect(
                result.fields.map(\.pointer) == ["/invoice_date", "/invoice_number", "/items/0", "/items/1", "/items/2", "/supplier", "/total"]
            )
        }
    }

    @Test func confidenceComesFromTheModelTheValidationAndTheCitedWords() async throws {
        let fixture = AnalysisFixture.named("invoice-a")
        try await AnalysisHarness.withAnalyzer { analyzer, server in
            // A scan: the total's words read at 60, every other word at 95, the page at 92.
            var (_, pages) = AnalysisFixture.pages(fixture.pages, ocrConfidence: 92) { $0 == "$1,234.50" ? 60 : 95 }
            let schema = try AnalysisFixture.schema("invoice.schema.json")
            let options = try Self.options("invoice.schema.json")
            var result = try await analyzer.extract(pages, options: options, schema: schema)
            var total = try #require(result.fields.first { $0.pointer == "/total" })
            #expect(total.confidenceParts.isClose(to: ConfidenceParts(model: 0.9, validation: 1, evidence: 0.6)), "\(total.confidenceParts)")
            #expect(abs((total.confidence ?? 0) - 0.54) < 1e-9)
            #expect(total.citation?.box == [88, 160, 160, 175])

            // Blocks without words: the cited block's box, the page's confidence.
            pages[0].blocks = pages[0].blocks.map { AnalysisBlock(box: $0.box, text: $0.text) }
            result = try await analyzer.extract(pages, options: options, schema: schema)
            total = try #require(result.fields.first { $0.pointer == "/total" })
            #expect(total.citation?.box == [0, 160, 160, 175])
            #expect(abs((total.confidenceParts.evidence ?? 0) - 0.92) < 1e-9)

            // An answer that had to be asked again: validation 0.9, two requests.
            server.double.injectAnswer(.schemaViolation)
            result = try await analyzer.extract(pages, options: options, schema: schema)
            #expect(result.requests == 2)
            #expect(result.fields.allSatisfy { $0.confidenceParts.validation == 0.9 })

            // A value the text does not hold (the double's stand-in for a required string it
            // did not find, at probability 0.3): no citation, evidence 0.5.
            let reference = try JSONSchema(
                .object([
                    "type": .string("object"), "required": .array([.string("reference")]),
                    "properties": .object(["reference": .object(["type": .string("string"), "minLength": .number(3)])]),
                ])
            )
            result = try await analyzer.extract(pages, options: ExtractionOptions(schema: reference.source), schema: reference)
            let field = try #require(result.fields.first)
            #expect(field.value == .string("???") && field.citation == nil)
            #expect(field.confidenceParts.isClose(to: ConfidenceParts(model: 0.3, validation: 1, evidence: 0.5)), "\(field.confidenceParts)")
            #expect(abs((field.confidence ?? 0) - 0.15) < 1e-9)
        }
    }

    @Test func aLongDocumentIsReadInPiecesAndMerged() async throws {
        let filler = (1...12).map { "Line \($0) of the general terms: deliveries are made to the address on the order." }.joined(separator: "\n")
        let texts = [
            "# Invoice\n\nInvoice number: LONG-7\n\nItems: Copy paper A4, Toner cartridge",
            filler, filler, filler + "\n" + filler + "\n" + filler,
            "Items: Stapler, Copy paper A4\n\nTotal due: $99.00\n\nSupplier: Harbour Print Co",
        ]
        try await AnalysisHarness.withAnalyzer(contextTokens: 2530) { analyzer, server in
            let (markdown, pages) = AnalysisFixture.pages(texts)
            let schema = try AnalysisFixture.schema("invoice.schema.json")
            let options = try Self.options("invoice.schema.json")
            let budget = analyzer.textBudget(schema: schema, instructions: options.instructions, purpose: .extraction)
            #expect(budget > 64 && budget < TokenEstimate.count(texts[3]), "the third filler page is cut: \(budget)")
            let result = try await analyzer.extract(pages, options: options, schema: schema)
            #expect(result.error == nil)
            #expect(result.pieces == 3 && result.requests == result.pieces, "\(result.pieces) pieces of at most \(budget) tokens")
            #expect(server.double.statistics.instructionRequests.count == result.pieces)
            #expect(
                result.values
                    == .object([
                        "invoice_number": .string("LONG-7"), "invoice_date": .null, "supplier": .string("Harbour Print Co"),
                        "total": .number(99),
                        // Pieces 1 and 3 share no page: the second "Copy paper A4" is another row, kept.
                        "items": .array([.string("Copy paper A4"), .string("Toner cartridge"), .string("Stapler"), .string("Copy paper A4")]),
                    ])
            )
            let total = try #require(result.fields.first { $0.pointer == "/total" })
            #expect(total.citation?.page == 5 && total.citation?.text == "$99.00")
            let stapler = try #require(result.fields.first { $0.pointer == "/items/2" })
            #expect(stapler.citation?.page == 5)
            #expect(result.fields.first { $0.pointer == "/items/0" }?.citation?.page == 1)
            for field in result.fields {
                if let citation = field.citation { #expect(markdown.scalars(citation.markdownRange) == citation.text) }
            }
            let date = try #require(result.fields.first { $0.pointer == "/invoice_date" })
            #expect(date.value == .null && date.citation == nil && date.confidenceParts.evidence == nil)
            #expect(result.filled == result.fields.count - 1)
        }
    }

    @Test func invalidAnswersTwiceAreModelInvalidOutput() async throws {
        let fixture = AnalysisFixture.named("form")
        try await AnalysisHarness.withAnalyzer { analyzer, server in
            server.double.injectAnswer(.invalidJSON)
            server.double.injectAnswer(.schemaViolation)
            let result = try await analyzer.extract(
                AnalysisFixture.pages(fixture.pages).pages,
                options: try Self.options("form.schema.json"),
                schema: try AnalysisFixture.schema("form.schema.json")
            )
            let error = try #require(result.error)
            #expect(error.code == .modelInvalidOutput)
            #expect(
                Set(error.violations?.map(\.pointer) ?? []) == ["/full_name", "/date_of_birth", "/policy_number", "/smoker", "/consent_given"]
            )
            #expect(result.values == nil && result.fields.isEmpty && result.requests == 2)
        }
    }
}

@Suite struct AnalysisPartsTests {
    @Test func sectionsOfTheBundle() throws {
        let bundle = AnalysisFixture.named("bundle")
        let (markdown, pages) = AnalysisFixture.pages(bundle.pages)
        let labels = try #require(bundle.pageLabels)
        let classification = DocumentClassification(
            label: bundle.label,
            confidence: 0.45,
            pages: labels.enumerated().map { PageLabel(page: $0 + 1, label: $1, confidence: 0.9) }
        )
        let sections = DocumentAnalyzer.sections(pages, classification: classification)
        let expected = try #require(bundle.sections)
        #expect(sections.map(\.title) == expected.map(\.title))
        #expect(sections.map(\.label) == expected.map(\.label))
        #expect(sections.map(\.firstPage) == expected.map(\.firstPage))
        #expect(sections.map(\.lastPage) == expected.map(\.lastPage))
        for section in sections {
            let text = markdown.scalars(section.markdownRange)
            #expect(text.hasPrefix(bundle.pages[section.firstPage - 1]) && text.hasSuffix(bundle.pages[section.lastPage - 1]))
        }
        #expect(markdown.scalars(sections[1].markdownRange).contains("<!-- page 3 -->"))

        var missing = classification
        missing.pages.removeLast()
        #expect(DocumentAnalyzer.sections(pages, classification: missing).isEmpty)
    }

    @Test func titlesWithoutAHeading() {
        let long = String(repeating: "word ", count: 30) + "end"
        let pages = AnalysisPage.laidOut(numbers: [1, 2, 3, 4], markdown: ["", "  \n\nFirst line here\nsecond", long, ""])
        let labels = ["a", "b", "c", "d"].enumerated().map { PageLabel(page: $0 + 1, label: $1, confidence: nil) }
        let sections = DocumentAnalyzer.sections(pages, classification: DocumentClassification(label: "a", confidence: 1, pages: labels))
        #expect(
            sections.map(\.title) == [
                "a, page 1", "First line here", String(repeating: "word ", count: 16).trimmingCharacters(in: .whitespaces), "d, page 4",
            ]
        )
        #expect(sections[2].title.count <= 80)
        let merged = DocumentAnalyzer.sections(
            pages,
            classification: DocumentClassification(
                label: "a",
                confidence: 1,
                pages: labels.map { PageLabel(page: $0.page, label: "x", confidence: nil) }
            )
        )
        #expect(
            merged.count == 1 && merged[0].title == "First line here"
                && merged[0].markdownRange == [pages[0].markdownOffset, pages[3].markdownOffset]
        )
    }

    @Test func numbersAndDatesAreFoundAsWritten() {
        func cited(_ value: JSONValue, _ text: String) -> String? {
            CitationFinder.span(of: value, in: text).map { String(text[$0]) }
        }
        #expect(cited(.number(1234.5), "Total: 1,234.50 due") == "1,234.50")
        #expect(cited(.number(1234.5), "Total: $1,234.50") == "$1,234.50")
        #expect(cited(.number(1234.5), "Summe: 1 234,50 €") == "1 234,50")
        #expect(cited(.number(1234.5), "Summe: 1.234,50") == "1.234,50")
        #expect(cited(.number(1234), "Order 12345 of 1,234 units") == "1,234")
        #expect(cited(.number(3), "INV-3 has 3 lines") == "3")
        #expect(cited(.string("2026-03-01"), "Dated March 1, 2026.") == "March 1, 2026")
        #expect(cited(.string("2026-03-01"), "Dated 1 Mar 2026") == "1 Mar 2026")
        #expect(cited(.string("2026-03-01"), "Dated 03/01/2026") == "03/01/2026")
        #expect(cited(.string("2026-03-01"), "Dated 01.03.2026") == "01.03.2026")
        #expect(cited(.string("2026-03-01"), "Dated 2026-03-01") == "2026-03-01")
        #expect(cited(.string("2026-03-01"), "Dated 2026-03-02") == nil)
        #expect(cited(.string("2026-03-01"), "Dated 2026-03-011 or 11/03/2026, see 2026-03-01") == "2026-03-01")
        #expect(cited(.string("2026-03-01"), "In 2026 we met; on 21 March 2026 and 1 March 2026") == "1 March 2026")
        #expect(cited(.number(99.5), "Paid 1,099.50 and 99,50") == "99,50")
        #expect(cited(.string("acme supplies"), "From ACME\n  Supplies Ltd") == "ACME\n  Supplies")
        #expect(cited(.string("A4"), "Paper A45, paper A4.") == "A4")
        #expect(cited(.string("ACME_Supplies"), "From ACME\\_Supplies") == "ACME\\_Supplies")
        #expect(cited(.bool(true), "yes") == nil)
    }

    @Test func digitsOtherThanASCIIAreNotReadAsNumbersAndDoNotCrash() {
        func cited(_ value: JSONValue, _ text: String) -> String? {
            CitationFinder.span(of: value, in: text).map { String(text[$0]) }
        }
        // Arabic-Indic digits match Regex's `\d` but not `Int(_:)`.
        #expect(cited(.string("٢٠٢٦-٠٣-٠١"), "Dated 2026-03-01") == nil)
        #expect(cited(.string("٢٠٢٦-٠٣-٠١"), "Dated ٢٠٢٦-٠٣-٠١") == "٢٠٢٦-٠٣-٠١", "found as the string itself")
        #expect(cited(.string("2026-03-01"), "Dated 2026-٠٣-٠١, ٠٣/٠١/2026 or 1 March 2026") == "1 March 2026")
        #expect(cited(.string("2026-03-01"), "Dated ٠١ March 2026") == nil)
        #expect(cited(.number(2026), "Year ٢٠٢٦ and 12026") == nil)
        #expect(!FormatCheck.isDate("٢٠٢٦-٠٣-٠١"))
    }

    @Test func aValueIsOnlyScannedForOnPagesThatHoldItsKeyToken() throws {
        let query = try #require(CitationFinder.Query(.string("ACME Supplies, Ltd")))
        #expect(query.key == "supplies")
        let text = "From ACME Supplies, Ltd."
        #expect(query.span(in: text, lowercased: text.lowercased()).map { String(text[$0]) } == "ACME Supplies, Ltd")
        // The pre-check decides: told the page lacks the token, the page is not scanned.
        #expect(query.span(in: text, lowercased: "from acme") == nil)
        #expect(CitationFinder.Query(.number(1234.5))?.key == "234")
        #expect(CitationFinder.Query(.string("2026-03-01"))?.key == "2026")
        #expect(CitationFinder.Query(.bool(true)) == nil)
    }

    @Test func aDateIsLookedForInTwentyCharactersBeforeItsYear() {
        func cited(_ value: JSONValue, _ text: String) -> String? {
            CitationFinder.span(of: value, in: text).map { String(text[$0]) }
        }
        #expect(cited(.string("2026-09-30"), "Due:September 30th, 2026") == "September 30th, 2026")
        #expect(cited(.string("2026-03-01"), String(repeating: "x", count: 100_000) + " 1 March 2026") == "1 March 2026")
        #expect(cited(.string("2026-03-01"), "x1 March 2026") == nil, "not inside a longer word")
    }

    @Test func equalItemsAreKeptExceptAcrossTheCutOfASplitPage() {
        func piece(_ items: [String], _ index: Int) -> MergedValue {
            let value = JSONValue.object(["items": .array(items.map { .string($0) })])
            let content = "{\"items\": [" + items.map { "\"\($0)\"" }.joined(separator: ", ") + "]}"
            return MergedValue(ModelAnswer(value: value, content: content, tokens: nil, attempts: 1), piece: index)
        }
        let first = piece(["Paper", "Shipping 10.00", "Shipping 10.00"], 0)
        let second = piece(["Shipping 10.00", "Toner"], 1)
        // Two "Shipping 10.00" lines on one page are two rows; another piece's one is a third.
        #expect(
            first.merged(with: second).value
                == .object(["items": .array(["Paper", "Shipping 10.00", "Shipping 10.00", "Shipping 10.00", "Toner"].map { .string($0) })])
        )
        // Across the cut of a page both pieces read, a repeat of the previous piece's item is dropped, once per item.
        #expect(
            first.merged(with: second, repeatsOf: 0).value
                == .object(["items": .array(["Paper", "Shipping 10.00", "Shipping 10.00", "Toner"].map { .string($0) })])
        )
        let third = piece(["Toner", "Toner", "Paper"], 2)
        let merged = first.merged(with: second, repeatsOf: 0).merged(with: third, repeatsOf: 1)
        #expect(
            merged.value
                == .object(["items": .array(["Paper", "Shipping 10.00", "Shipping 10.00", "Toner", "Toner", "Paper"].map { .string($0) })])
        )
    }

    @Test func digitsCountAsOneTokenEach() {
        #expect(TokenEstimate.count(String(repeating: "7", count: 300)) == 300)
        #expect(TokenEstimate.count("abcdef") == 2)
        #expect(TokenEstimate.count("Total 1234.50") == 6 + 3)
        #expect(TokenEstimate.prefix(of: "123456789", tokens: 4) == "1234")
        #expect(TokenEstimate.prefix(of: "ab12cd", tokens: 3) == "ab12c")
    }

    @Test func pagesLongerThanTheBudgetAreCutAtLineEnds() {
        let lines = (1...40).map { "Line number \($0) of a long page." }
        let pages = AnalysisPage.laidOut(numbers: [1, 2, 3], markdown: ["Short first page.", lines.joined(separator: "\n"), "Last."])
        let pieces = TextPieces.split(pages, budget: 100)
        #expect(pieces.allSatisfy { TokenEstimate.count($0.text) <= 100 })
        // About 7 lines of 30 bytes (10 tokens) and 2 digits (2 tokens) fit 100 tokens: the short
        // page and the long page's first part fill a piece, the last part and "Last." another.
        #expect(pieces.map(\.pages) == [[0, 1], [1], [1], [1], [1], [1, 2]])
        #expect(pieces.first?.text.hasPrefix("Short first page.\n\nLine number 1 of") == true)
        #expect(pieces.last?.text.hasSuffix("Line number 40 of a long page.\n\nLast.") == true)
        #expect(pieces.filter { $0.pages.contains(1) }.count > 1, "the long page is in several pieces")
        let longParts = pieces.flatMap { $0.text.split(separator: "\n") }.filter { $0.hasPrefix("Line number") }
        #expect(longParts.map(String.init) == lines, "cut at line ends, nothing lost")
        let giant = String(repeating: "x", count: 1000)
        #expect(TextPieces.parts(of: giant, budget: 100).joined() == giant)
    }
}

extension ConfidenceParts {
    func isClose(to other: ConfidenceParts) -> Bool {
        func close(_ a: Double?, _ b: Double?) -> Bool {
            guard let a, let b else { return a == nil && b == nil }
            return abs(a - b) < 1e-9
        }
        return close(model, other.model) && close(validation, other.validation) && close(evidence, other.evidence)
    }
}
