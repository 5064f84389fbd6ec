import Foundation
import OCRFleetChatAPI
import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetModel
import OCRFleetTesting
import Testing
import VLLMDouble

@testable import OCRFleetDeepSeek

/// The engine against the vLLM double, which checks each request as vLLM does.
@Suite(.serialized) struct DeepSeekEngineTests {
    static func engine(
        _ server: VLLMDoubleServer,
        _ change: (inout DeepSeekConfiguration) -> Void = { _ in }
    ) async throws
        -> DeepSeekEngine
    {
        var configuration = DeepSeekConfiguration(endpoints: [server.baseURL])
        change(&configuration)
        let engine = DeepSeekEngine(configuration: configuration)
        try await engine.start()
        await engine.servers.untilEveryServerIsHealthy()
        return engine
    }

    static func page(_ fixture: String = "invoice.png") throws -> PageImage {
        let (_, document) = try PagedDocument.open(path: Fixtures.path(fixture), password: nil, limits: .init())
        return try document.render(page: 0, target: .longestSide(1024), gray: true, limits: .init())
    }

    @Test func requestFollowsTheRecipeAndTheMarkdownIsClean() async throws {
        try await withVLLMDouble { server in
            let engine = try await Self.engine(server)
            defer { Task { try await engine.shutdown() } }
            let page = try await engine.recognize(page: try Self.page(), request: RecognitionRequest())

            let sent = try #require(server.double.statistics.lastRequest)
            #expect(sent.model == "deepseek-ai/DeepSeek-OCR")
            #expect(sent.messages.count == 1 && sent.messages[0].role == "user")
            let parts = sent.messages[0].content
            guard parts.count == 2, case .imageURL(let url) = parts[0], case .text(let text) = parts[1] else {
                Issue.record("content parts: \(parts)")
                return
            }
            #expect(url.hasPrefix("data:image/png;base64,"))
            #expect(text == "<|grounding|>Convert the document to markdown.")
            #expect(sent.temperature == 0 && sent.skipSpecialTokens == false && sent.maxTokens == 4096)
            #expect(
                sent.vllmXargs == ["ngram_size": .int(30), "window_size": .int(90), "whitelist_token_ids": .ints([128821, 128822])]
            )

            #expect(!page.markdown.contains("<|") && !page.incomplete)
            let truth = try #require(Fixtures.truth["invoice.png"]?.first)
            #expect(Fixtures.recall(truth: truth, recognised: page.markdown) >= 0.95, "\(page.markdown)")
            #expect(!page.blocks.isEmpty)
            #expect(max(page.width, page.height) <= 1024)
            for block in page.blocks {
                #expect(block.box[0] <= block.box[2] && block.box[2] <= page.width && block.box[3] <= page.height)
            }
        }
    }

    @Test func freePromptAndJPEGPages() async throws {
        try await withVLLMDouble { server in
            let engine = try await Self.engine(server) { $0.encoding = .jpeg(quality: 90) }
            defer { Task { try await engine.shutdown() } }
            let page = try await engine.recognize(page: try Self.page("delivery.jpg"), request: RecognitionRequest(prompt: .free))
            let sent = try #require(server.double.statistics.lastRequest)
            guard case .imageURL(let url) = sent.messages[0].content[0], case .text(let text) = sent.messages[0].content[1]
            else { return }
            #expect(url.hasPrefix("data:image/jpeg;base64,") && text == "Free OCR.")
            let truth = try #require(Fixtures.truth["delivery.jpg"]?.first)
            #expect(Fixtures.recall(truth: truth, recognised: page.markdown) >= 0.9, "\(page.markdown)")
            #expect(page.blocks.isEmpty)
        }
    }

    @Test func resolutionSetsTheBitmapSize() async throws {
        try await withVLLMDouble { server in
            let engine = try await Self.engine(server)
            defer { Task { try await engine.shutdown() } }
            let (_, document) = try PagedDocument.open(path: Fixtures.path("report-3p.pdf"), password: nil, limits: .init())
            for resolution in Resolution.allCases {
                let request = RecognitionRequest(resolution: resolution)
                guard case .longestSide(let side) = engine.renderTarget(for: request) else {
                    Issue.record("target")
                    return
                }
                let rendered = try document.render(page: 0, target: .longestSide(side), gray: true, limits: .init())
                #expect(abs(max(rendered.width, rendered.height) - resolution.longestSide) <= 2, "\(resolution)")
                let prepared = try engine.prepare(rendered, request: request)
                #expect(max(prepared.width, prepared.height) <= resolution.longestSide)
            }
        }
    }

    @Test func cutOffAnswersAreRetriedOnceWithALargerBudgetThenMarked() async throws {
        try await withVLLMDouble { server in
            let engine = try await Self.engine(server)
            defer { Task { try await engine.shutdown() } }
            // About 4,400 tokens: over the first budget, within the retry's.
            server.double.update { $0.extraAnswerTokens = 2_500 }
            let recovered = try await engine.recognize(page: try Self.page(), request: RecognitionRequest())
            #expect(!recovered.incomplete)
            let budgets = server.double.statistics.maxTokensSeen
            #expect(budgets.count == 2 && budgets[0] == 4096 && budgets[1] > 4096)

            // About 8,700 tokens: over both.
            server.double.update { $0.extraAnswerTokens = 5_000 }
            let cut = try await engine.recognize(page: try Self.page(), request: RecognitionRequest())
            #expect(cut.incomplete)
            #expect(cut.markdown.contains("<!-- the text of this page is incomplete"))
            #expect(server.double.statistics.maxTokensSeen.count == 4)
        }
    }

    @Test func repetitionLoopsAreCollapsedAndMarked() async throws {
        try await withVLLMDouble { server in
            let engine = try await Self.engine(server)
            defer { Task { try await engine.shutdown() } }
            server.double.update { $0.repetitionLoop = true }
            let page = try await engine.recognize(page: try Self.page(), request: RecognitionRequest())
            #expect(page.incomplete)
            #expect(page.markdown.components(separatedBy: "The same line again.").count - 1 <= 3)
            #expect(page.markdown.contains("the model repeated itself"))
        }
    }

    /// Time moved by hand: 503s are retried after the engine's back-off, a 429 after the
    /// seconds its `Retry-After` names and not a moment before, and a `Retry-After` past the
    /// page's time budget fails the page at once.
    @Test func overloadAnswersAreRetriedAfterTheirRetryAfter() async throws {
        try await withVLLMDouble { server in
            let clock = ManualClock()
            let engine = try await Self.engine(server) { $0.clock = FleetClock(clock) }
            defer { Task { try await engine.shutdown() } }
            let prepared = try engine.prepare(try Self.page(), request: RecognitionRequest())
            server.double.inject(.status(503, retryAfter: nil), count: 2)
            server.double.inject(.status(429, retryAfter: 30))
            let page = Task { try await engine.recognize(prepared, request: RecognitionRequest(pageTimeout: .seconds(120))) }
            // The back-off after the first and second 503: at most 250 and 500 ms.
            for longest in [Duration.milliseconds(250), .milliseconds(500)] {
                await clock.sleepers(atLeast: 1)
                clock.advance(by: longest)
            }
            await clock.sleepers(atLeast: 1)
            clock.advance(by: .seconds(29))
            #expect(clock.sleeperCount == 1, "a second before its Retry-After the engine still waits")
            #expect(server.double.statistics.statuses[200] == nil)
            clock.advance(by: .seconds(1))
            #expect(!(try await page.value).markdown.isEmpty)
            let statuses = server.double.statistics.statuses
            #expect(statuses[503] == 2 && statuses[429] == 1 && statuses[200] == 1)
            #expect(engine.inflightLimit < 32, "the limit backs off after pushback")

            server.double.inject(.status(429, retryAfter: 300))
            let error = await #expect(throws: OCRError.self) {
                try await engine.recognize(prepared, request: RecognitionRequest(pageTimeout: .seconds(60)))
            }
            #expect(error?.code == .engineUnavailable && error?.message.contains("time budget ran out") == true)
        }
    }

    @Test func aWrongModelFailsAtStartWithTheServedNames() async throws {
        try await withVLLMDouble { server in
            let engine = DeepSeekEngine(configuration: DeepSeekConfiguration(endpoints: [server.baseURL], model: "deepseek-ai/other"))
            defer { Task { try await engine.shutdown() } }
            let error = await #expect(throws: OCRError.self) { try await engine.start() }
            #expect(error?.code == .engineUnavailable)
            #expect(error?.message.contains("serves [deepseek-ai/DeepSeek-OCR], not 'deepseek-ai/other'") == true)
        }
    }

    @Test func rejectedRequestsSayWhyAndTheWhitelistCanBeLeftOut() async throws {
        var legacy = VLLMDouble.Behaviour()
        legacy.legacyExtraArguments = true
        try await withVLLMDouble(legacy) { server in
            let engine = try await Self.engine(server)
            defer { Task { try await engine.shutdown() } }
            let error = await #expect(throws: OCRError.self) {
                try await engine.recognize(page: try Self.page(), request: RecognitionRequest())
            }
            #expect(error?.code == .engineUnavailable && error?.message.contains("(400)") == true)

            let withoutList = try await Self.engine(server) { $0.whitelistTokenIDs = [] }
            defer { Task { try await withoutList.shutdown() } }
            let page = try await withoutList.recognize(page: try Self.page(), request: RecognitionRequest())
            #expect(!page.markdown.isEmpty)
            #expect(server.double.statistics.lastRequest?.vllmXargs?["whitelist_token_ids"] == nil)
        }
    }

    @Test func aHungServerEndsThePageAsATimeout() async throws {
        try await withVLLMDouble { server in
            let engine = try await Self.engine(server)
            defer { Task { try await engine.shutdown() } }
            server.double.inject(.hang)
            let error = await #expect(throws: OCRError.self) {
                try await engine.recognize(page: try Self.page(), request: RecognitionRequest(pageTimeout: .seconds(2)))
            }
            #expect(error?.code == .engineTimeout)
        }
    }

    @Test func inflightRequestsNeverExceedTheLimit() async throws {
        var behaviour = VLLMDouble.Behaviour()
        behaviour.recognizeText = false
        behaviour.latency = .milliseconds(200)
        try await withVLLMDouble(behaviour) { server in
            let engine = try await Self.engine(server) { $0.maxInflight = 4 }
            defer { Task { try await engine.shutdown() } }
            let prepared = try engine.prepare(try Self.page(), request: RecognitionRequest())
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<24 {
                    group.addTask { _ = try await engine.recognize(prepared, request: RecognitionRequest()) }
                }
                try await group.waitForAll()
            }
            #expect(server.double.statistics.peakInflight == 4)
            #expect(engine.peakInflight == 4)
        }
    }

    @Test func requestsGoToTheLeastBusyHealthyServer() async throws {
        var behaviour = VLLMDouble.Behaviour()
        behaviour.recognizeText = false
        behaviour.latency = .milliseconds(100)
        try await withVLLMDouble(behaviour) { first in
            try await withVLLMDouble(behaviour) { second in
                let engine = DeepSeekEngine(configuration: DeepSeekConfiguration(endpoints: [first.baseURL, second.baseURL]))
                defer { Task { try await engine.shutdown() } }
                try await engine.start()
                await engine.servers.untilEveryServerIsHealthy()
                let prepared = try engine.prepare(try Self.page(), request: RecognitionRequest())
                func burst() async throws {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for _ in 0..<16 {
                            group.addTask { _ = try await engine.recognize(prepared, request: RecognitionRequest()) }
                        }
                        try await group.waitForAll()
                    }
                }
                try await burst()
                #expect(first.double.statistics.completions == 8 && second.double.statistics.completions == 8)

                await first.stop()
                try await engine.start()
                try await burst()
                #expect(first.double.statistics.completions == 8 && second.double.statistics.completions == 24)
            }
        }
    }
}
