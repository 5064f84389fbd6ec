import OCRFleetModel
import Testing

/// Label and instruction bounds count Unicode scalars: a "character" of stacked combining
/// marks is as long as its marks.
@Suite struct AnalysisOptionsTests {
    static let stacked = "e" + String(repeating: "\u{0301}", count: 200)

    static func labels(name: String, description: String? = nil) -> ClassificationOptions {
        ClassificationOptions(labels: [.init(name: name, description: description), .init(name: "other")])
    }

    @Test func aLabelNameIsAtMost64Scalars() {
        #expect(Self.labels(name: String(repeating: "é", count: 64)).problem == nil)
        #expect(Self.stacked.count == 1)
        let problem = Self.labels(name: Self.stacked).problem
        #expect(problem?.field == "options.classify.labels[0].name")
        #expect(problem?.message == "options.classify.labels[0].name must be 1-64 characters on one line")
    }

    @Test func aLabelDescriptionIsAtMost1000Scalars() {
        #expect(Self.labels(name: "a", description: String(repeating: "e\u{0301}", count: 500)).problem == nil)
        let problem = Self.labels(name: "a", description: String(repeating: "e\u{0301}", count: 501)).problem
        #expect(problem?.field == "options.classify.labels[0].description")
        #expect(problem?.message == "options.classify.labels[0].description is over 1000 characters")
    }

    @Test func instructionsAreAtMost4000Scalars() throws {
        let schema: JSONValue = .object(["type": .string("object")])
        try ExtractionOptions(schema: schema, instructions: String(repeating: "e\u{0301}", count: 2000)).validate()
        #expect(throws: OCRError.self) {
            try ExtractionOptions(schema: schema, instructions: String(repeating: "e\u{0301}", count: 2001)).validate()
        }
        do {
            try ExtractionOptions(schema: schema, instructions: String(repeating: Self.stacked, count: 20)).validate()
            Issue.record("4,020 scalars in 20 characters were accepted")
        } catch {
            #expect(error.code == .invalidJob && error.message == "options.extract.instructions is over 4000 characters")
        }
    }
}
