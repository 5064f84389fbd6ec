import Foundation
import Logging
import OCRFleetChatAPI
import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetModel

/// DeepSeek-OCR served by vLLM, over its OpenAI-compatible chat API.
///
/// Pages are scaled and compressed on the worker's render threads (`prepare`), then sent
/// with up to `maxInflight` requests out at once across every job of the worker (vLLM
/// batches concurrent requests, so this is what keeps a GPU busy), over a keep-alive
/// connection pool of the same size, to the least busy healthy server.
public final class DeepSeekEngine: OCREngine {
    public let name = "deepseek"
    public let configuration: DeepSeekConfiguration
    public var concurrency: Int { configuration.maxInflight }
    public var rendersGray: Bool { !configuration.color }

    /// A page ready to send: its image as a data URL and the size it decodes to.
    public struct PreparedPage: Sendable {
        public var dataURL: String
        public var width: Int
        public var height: Int
    }

    let servers: ChatServers
    private let logger: Logger

    public init(configuration: DeepSeekConfiguration, logger: Logger = Logger(label: "ocrfleet.deepseek")) {
        self.configuration = configuration
        self.logger = logger
        servers = ChatServers(
            configuration: .init(
                endpoints: configuration.endpoints,
                model: configuration.model,
                modelSetting: "OCR_VLLM_MODEL",
                apiKey: configuration.apiKey,
                maxInflight: configuration.maxInflight,
                healthInterval: configuration.healthInterval,
                connectTimeout: configuration.connectTimeout,
                clock: configuration.clock,
                metricsName: "deepseek"
            ),
            logger: logger
        )
    }

    var pool: EndpointPool { servers.pool }
    var limit: AdaptiveLimit { servers.limit }

    public func shutdown() async throws { try await servers.shutdown() }

    /// Whether any server passed its last health check.
    public var isHealthy: Bool { pool.hasHealthy }
    /// How many of the configured servers are healthy now.
    public var serverHealth: (healthy: Int, total: Int) { (pool.healthyCount, pool.endpoints.count) }
    /// The current in-flight limit (lowered while servers push back) and the most requests
    /// that have been out at once.
    public var inflightLimit: Int { limit.current }
    public var peakInflight: Int { limit.peak }

    // MARK: Health

    /// Checks every server once. A server that answers but does not serve the configured
    /// model is a configuration mistake and fails start-up; one that does not answer yet
    /// (still loading weights, say) is only logged, and checked again by `monitorHealth`.
    public func start() async throws(OCRError) {
        if let mistake = await servers.start() { throw OCRError(.engineUnavailable, mistake.description) }
    }

    /// Checks every server each `healthInterval` until the task is cancelled.
    public func monitorHealth() async { await servers.monitorHealth() }

    // MARK: Pages

    public func validate(_ request: RecognitionRequest) throws(OCRError) {}

    public func renderTarget(for request: RecognitionRequest) -> RenderTarget {
        .longestSide(request.resolution.longestSide)
    }

    public func prepare(_ page: PageImage, request: RecognitionRequest) throws(OCRError) -> PreparedPage {
        let encoded = try page.encoded(as: configuration.encoding, longestSide: request.resolution.longestSide)
        let url = "data:\(encoded.mediaType);base64," + Data(encoded.bytes).base64EncodedString()
        return PreparedPage(dataURL: url, width: encoded.width, height: encoded.height)
    }

    public func recognize(_ page: PreparedPage, request: RecognitionRequest) async throws(OCRError) -> RecognizedPage {
        let clock = configuration.clock
        let deadline = clock.now + request.pageTimeout
        var budget = configuration.maxTokens
        var extended = false
        var pushbacks = 0
        var rechecked = false
        while true {
            guard await limit.acquire() else { throw OCRError(.cancelled, "the job was stopped") }
            guard let endpoint = pool.checkOut() else {
                limit.release(.failed)
                // A check takes up to 4 s (two requests of 2 s): only a page with that much
                // time left waits for one.
                if !rechecked, deadline - clock.now > .seconds(4) {
                    rechecked = true
                    await servers.recheckUnhealthy()
                    continue
                }
                throw OCRError(.engineUnavailable, "no healthy vLLM server (\(pool.problems))")
            }
            let started = clock.now
            let remaining = deadline - started
            let outcome = await servers.send(
                body(page, prompt: request.prompt, maxTokens: budget),
                to: endpoint,
                timeout: remaining
            )
            pool.checkIn(endpoint)

            switch outcome {
            case .answered(let choice, let tokens):
                limit.release(.answered(latency: clock.now - started, tokens: tokens))
                let text = choice.message.content ?? ""
                let finishReason = choice.finishReason
                if finishReason == "length", !extended {
                    let context = endpoint.maxModelLength ?? 8192
                    let room = context - ImageTokens.count(width: page.width, height: page.height) - 32
                    let larger = min(configuration.retryMaxTokens, room)
                    if larger > budget {
                        logger.info(
                            "page answer cut off; retrying with a larger token budget",
                            metadata: ["max_tokens": "\(budget)", "retry_max_tokens": "\(larger)"]
                        )
                        budget = larger
                        extended = true
                        continue
                    }
                }
                return finish(text, cutOff: finishReason == "length", page: page, prompt: request.prompt)
            case .pushedBack(let status, let retryAfter):
                limit.release(.overloaded)
                pushbacks += 1
                let delay = retryAfter ?? ChatServers.backoff(attempt: pushbacks)
                let resume = clock.now + delay
                if resume >= deadline {
                    throw OCRError(
                        .engineUnavailable,
                        "vLLM at \(endpoint.baseURL) answered \(status) until the page's time budget ran out"
                    )
                }
                try await pause(until: resume)
            case .unreachable(let message):
                limit.release(.failed)
                endpoint.markUnhealthy(message)
                pushbacks += 1
                let resume = clock.now + ChatServers.backoff(attempt: pushbacks)
                guard pool.hasHealthy, resume < deadline else { throw OCRError(.engineUnavailable, message) }
                try await pause(until: resume)
            case .timedOut:
                limit.release(.overloaded)
                throw OCRError(.engineTimeout, "vLLM at \(endpoint.baseURL) took longer than \(request.pageTimeout) on a page")
            case .stopped:
                limit.release(.failed)
                throw OCRError(.cancelled, "the job was stopped")
            case .rejected(let status, let message):
                limit.release(.failed)
                if status == 404 { endpoint.markUnhealthy(message) }
                throw OCRError(.engineUnavailable, "vLLM at \(endpoint.baseURL) rejected the request (\(status)): \(message)")
            case .unreadable(let reason):
                limit.release(.failed)
                throw OCRError(.engineUnavailable, "vLLM at \(endpoint.baseURL) answered 200, but not a chat completion: \(reason)")
            }
        }
    }

    private func finish(_ answer: String, cutOff: Bool, page: PreparedPage, prompt: PromptStyle) -> RecognizedPage {
        var text = answer
        var looped = false
        if cutOff { (text, looped) = GroundedMarkdown.collapseRepeats(text) }
        var (markdown, blocks) = GroundedMarkdown.parse(text, width: page.width, height: page.height)
        if cutOff {
            let reason = looped ? "the model repeated itself" : "the model's answer reached its token budget"
            markdown += "\n\n<!-- the text of this page is incomplete: \(reason) -->"
        }
        if prompt == .free { blocks = [] }
        return RecognizedPage(markdown: markdown, blocks: blocks, width: page.width, height: page.height, incomplete: cutOff)
    }

    // MARK: Requests

    /// The request body, as vLLM's DeepSeek-OCR recipe sends it.
    func body(_ page: PreparedPage, prompt: PromptStyle, maxTokens: Int) -> ChatCompletionRequest {
        var xargs: [String: ExtraArgument] = [:]
        if let ngram = configuration.ngramSize { xargs["ngram_size"] = .int(ngram) }
        if let window = configuration.windowSize { xargs["window_size"] = .int(window) }
        if !configuration.whitelistTokenIDs.isEmpty { xargs["whitelist_token_ids"] = .ints(configuration.whitelistTokenIDs) }
        return ChatCompletionRequest(
            model: configuration.model,
            messages: [ChatMessage(role: "user", content: [.imageURL(page.dataURL), .text(Self.instruction(prompt))])],
            maxTokens: maxTokens,
            temperature: 0,
            skipSpecialTokens: false,
            vllmXargs: xargs.isEmpty ? nil : xargs
        )
    }

    /// DeepSeek-OCR's own prompts; in a chat request the `<image>` placeholder comes from the chat template.
    static func instruction(_ prompt: PromptStyle) -> String {
        switch prompt {
        case .markdown: "<|grounding|>Convert the document to markdown."
        case .free: "Free OCR."
        }
    }

    private func pause(until instant: FleetClock.Instant) async throws(OCRError) {
        do { try await configuration.clock.sleep(until: instant) } catch { throw OCRError(.cancelled, "the job was stopped") }
    }
}
