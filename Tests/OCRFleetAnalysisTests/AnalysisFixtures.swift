import Foundation
import Logging
import OCRFleetAnalysis
import OCRFleetMarkdown
import OCRFleetModel
import OCRFleetTesting
import VLLMDouble

@testable import OCRFleetLanguageModel

/// `fixtures/analysis/` (scripts/make-analysis-fixtures.py): each fixture's pages as the text
/// layer gives them and what the stages should find, with a layout for each page laid out
/// as an engine's sidecar would be: a block per line, a word per white-space-separated token.
struct AnalysisFixture: Decodable {
    struct Section: Decodable {
        var title: String
        var label: String
        var firstPage: Int
        var lastPage: Int
    }

    var pages: [String]
    var schema: String?
    var values: JSONValue?
    var citations: [String: String]?
    var labels: String?
    var pageLabels: [String]?
    var label: String?
    var sections: [Section]?

    static let all: [String: AnalysisFixture] = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let data = FileManager.default.contents(atPath: Fixtures.path("analysis/expected.json")) ?? Data()
        return (try? decoder.decode([String: AnalysisFixture].self, from: data)) ?? [:]
    }()

    static func named(_ name: String) -> AnalysisFixture { all[name]! }

    static func json<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("analysis/\(name)")))
        return try JSONDecoder().decode(type, from: data)
    }

    static func schema(_ name: String) throws -> JSONSchema {
        try JSONSchema(json(name, as: JSONValue.self))
    }

    static var labels: ClassificationOptions { get throws { try json("labels.json", as: ClassificationOptions.self) } }

    /// The assembled markdown and its pages, each with a block per line and words, every word
    /// of confidence `wordConfidence` when the page has `ocrConfidence`.
    static func pages(
        _ texts: [String],
        ocrConfidence: Double? = nil,
        wordConfidence: (String) -> Double = { _ in 90 }
    )
        -> (markdown: String, pages: [AnalysisPage])
    {
        let numbers = Array(1...texts.count)
        var pages = AnalysisPage.laidOut(numbers: numbers, markdown: texts)
        for index in pages.indices {
            pages[index].blocks = layout(texts[index], wordConfidence: wordConfidence)
            pages[index].ocrConfidence = ocrConfidence
        }
        return (AssembledMarkdown.assemble(pages: texts, numbers: numbers), pages)
    }

    /// Line n at y = 20n, its words 8 units a character apart.
    static func layout(_ text: String, wordConfidence: (String) -> Double) -> [AnalysisBlock] {
        text.split(separator: "\n").enumerated().compactMap { row, line in
            var words: [AnalysisWord] = []
            var column = 0
            for token in line.split(separator: " ", omittingEmptySubsequences: false) {
                if !token.isEmpty {
                    let box = [column * 8, row * 20, (column + token.count) * 8, row * 20 + 15]
                    words.append(AnalysisWord(text: String(token), box: box, confidence: wordConfidence(String(token))))
                }
                column += token.count + 1
            }
            guard !words.isEmpty else { return nil }
            return AnalysisBlock(box: [0, row * 20, line.count * 8, row * 20 + 15], text: String(line), words: words)
        }
    }
}

/// The vLLM double serving an instruction model, a client of it and an analyzer.
enum AnalysisHarness {
    static let model = "Qwen/Qwen2.5-7B-Instruct"

    static var behaviour: VLLMDouble.Behaviour {
        var behaviour = VLLMDouble.Behaviour()
        behaviour.instructionModel = model
        behaviour.recognizeText = false
        return behaviour
    }

    static var logger: Logger {
        var logger = Logger(label: "analysis-tests")
        logger.logLevel = .error
        return logger
    }

    static func client(_ url: String, maxInflight: Int = 16, logprobs: Bool = true) async throws -> LanguageModelClient {
        var configuration = LanguageModelConfiguration(
            endpoints: [url],
            model: model,
            maxInflight: maxInflight,
            maxTokens: 512,
            logprobs: logprobs
        )
        configuration.connectTimeout = .seconds(2)
        let client = LanguageModelClient(configuration: configuration, logger: logger)
        try await client.start()
        await client.servers.untilEveryServerIsHealthy()
        return client
    }

    /// Runs `body` with an analyzer of the double's model (its context is the double's 8,192 tokens unless given).
    static func withAnalyzer<T>(
        behaviour: VLLMDouble.Behaviour = behaviour,
        contextTokens: Int = 8192,
        maxInflight: Int = 16,
        logprobs: Bool = true,
        _ body: (DocumentAnalyzer, VLLMDoubleServer) async throws -> T
    ) async throws -> T {
        try await withVLLMDouble(behaviour) { server in
            let client = try await client(server.baseURL, maxInflight: maxInflight, logprobs: logprobs)
            do {
                let result = try await body(DocumentAnalyzer(model: client, contextTokens: contextTokens, logger: logger), server)
                try await client.shutdown()
                return result
            } catch {
                try await client.shutdown()
                throw error
            }
        }
    }
}

extension String {
    /// The text at `[start, end)` in Unicode scalars.
    func scalars(_ range: [Int]) -> String {
        let scalars = Array(unicodeScalars)
        guard range.count == 2, range[0] >= 0, range[0] <= range[1], range[1] <= scalars.count else { return "<out of range \(range)>" }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[range[0]..<range[1]])
        return String(view)
    }
}
