import Foundation
import OCRFleetLanguageModel
import OCRFleetModel
import OCRFleetTesting
import Testing
import VLLMDouble

@testable import OCRFleetAnalysis

/// The learning loop in the extract stage's analyzer: earlier corrections go into the prompt
/// as examples, and the double, like a model shown a mistake, does not repeat it when the
/// document supports the correction.
@Suite(.serialized) struct CorrectionExampleTests {
    static let options = ExtractionOptions(schema: .null)

    @Test func aCorrectionTheDocumentSupportsIsFollowed() async throws {
        let fixture = AnalysisFixture.named("invoice-a")
        let schema = try AnalysisFixture.schema("review.schema.json")
        try await AnalysisHarness.withAnalyzer { analyzer, server in
            let pages = AnalysisFixture.pages(fixture.pages).pages
            let before = try await analyzer.extract(pages, options: Self.options, schema: schema)
            let standIn = try #require(before.fields.first { $0.pointer == "/amount" })
            #expect(standIn.value == .number(0) && standIn.citation == nil)
            #expect(abs((standIn.confidence ?? 1) - 0.15) < 1e-9, "a stand-in (0.3) not found in the text (0.5)")

            let corrections = [
                CorrectionExample(field: "/amount", extracted: .number(0), corrected: .number(1234.5)),
                // Not on this invoice: changes nothing.
                CorrectionExample(field: "/supplier", extracted: .string("ACME Supplies Ltd"), corrected: .string("Globex")),
                // A value the double did not give: changes nothing.
                CorrectionExample(field: "/total", extracted: .number(99), corrected: .number(450)),
            ]
            let after = try await analyzer.extract(pages, options: Self.options, schema: schema, corrections: corrections)
            let amount = try #require(after.fields.first { $0.pointer == "/amount" })
            #expect(amount.value == .number(1234.5) && amount.citation?.text == "$1,234.50")
            #expect(abs((amount.confidence ?? 0) - 0.9) < 1e-9, "read from the text: \(amount.confidenceParts)")
            guard case .object(let values) = after.values else {
                Issue.record("no values")
                return
            }
            #expect(values["supplier"] == .string("ACME Supplies Ltd") && values["total"] == .number(1234.5))
            #expect(server.double.statistics.undelimitedDocuments == 0)
        }
    }

    @Test func theMostRelevantNewestCorrectionsAreChosen() throws {
        let schema = try AnalysisFixture.schema("invoice.schema.json")
        func correction(_ pointer: String, _ after: JSONValue, _ at: Double, confirmed: Bool = false) -> ReviewCorrection {
            ReviewCorrection(
                tenant: "acme",
                label: "invoice",
                pointer: pointer,
                before: confirmed ? after : .string("wrong"),
                after: after,
                context: "",
                at: Date(timeIntervalSince1970: at),
                confirmed: confirmed
            )
        }
        let chosen = CorrectionExample.chosen(
            from: [
                correction("/elsewhere", .string("a"), 100),
                correction("/total", .number(1), 10),
                correction("/items/3", .string("Stapler"), 30),
                correction("/supplier", .string("ACME"), 20, confirmed: true),
                correction("/total", .number(2), 40),
                correction("/total", .number(2), 41),
            ],
            schema: schema
        )
        #expect(
            chosen == [
                CorrectionExample(field: "/total", extracted: .string("wrong"), corrected: .number(2)),
                CorrectionExample(field: "/items/3", extracted: .string("wrong"), corrected: .string("Stapler")),
                CorrectionExample(field: "/total", extracted: .string("wrong"), corrected: .number(1)),
                CorrectionExample(field: "/elsewhere", extracted: .string("wrong"), corrected: .string("a")),
            ],
            "the schema's fields first, newest first; confirmations and repeats left out"
        )
        let many = (0..<20).map { correction("/total", .number(Double($0)), Double($0)) }
        #expect(CorrectionExample.chosen(from: many, schema: schema).map(\.corrected) == (12..<20).reversed().map { .number(Double($0)) })
        let long = correction("/supplier", .string(String(repeating: "x", count: 2000)), 1)
        #expect(CorrectionExample.chosen(from: [long], schema: schema).isEmpty, "a line over 1,000 characters")
        let total = (0..<8).map { correction("/supplier", .string(String(repeating: "\($0)", count: 900)), Double($0)) }
        #expect(CorrectionExample.chosen(from: total, schema: schema).count == 4, "all lines at most 4,000 characters")
    }
}
