import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetMetrics
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

    let pool: EndpointPool
    let limit: AdaptiveLimit
    private let http: HTTPClient
    private let logger: Logger

    public init(configuration: DeepSeekConfiguration, logger: Logger = Logger(label: "ocrfleet.deepseek")) {
        self.configuration = configuration
        self.logger = logger
        pool = EndpointPool(urls: configuration.endpoints)
        limit = AdaptiveLimit(maximum: configuration.maxInflight, clock: configuration.clock)
        var http = HTTPClient.Configuration()
        http.timeout = .init(connect: .init(configuration.connectTimeout))
        http.connectionPool = .init(
            idleTimeout: .seconds(60),
            concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, configuration.maxInflight)
        )
        http.decompression = .disabled
        // The job's own span covers its pages; a client span per page request would only add
        // volume, and whether one is recorded must not depend on when the engine was made.
        http.tracing.tracer = nil
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http)
    }

    public func shutdown() async throws { try await http.shutdown() }

    /// Whether any server passed its last health check.
    public var isHealthy: Bool { pool.hasHealthy }
    /// The current in-flight limit (lowered while servers push back) and the most requests
    /// that have been out at once.
    public var inflightLimit: Int { limit.current }
    public var peakInflight: Int { limit.peak }

    // MARK: Health

    /// Checks every server once. A server that answers but does not serve the configured
    /// model is a configuration mistake and fails start-up; one that does not answer yet
    /// (still loading weights, say) is only logged, and checked again by `monitorHealth`.
    public func start() async throws(OCRError) {
        for endpoint in pool.endpoints {
            if case .unhealthy(let problem) = await check(endpoint), case .modelNotServed = problem {
                throw OCRError(.engineUnavailable, problem.description)
            }
        }
        if !pool.hasHealthy {
            logger.warning("no vLLM server is healthy yet", metadata: ["problems": "\(pool.problems)"])
        }
    }

    /// Checks every server each `healthInterval` until the task is cancelled.
    public func monitorHealth() async {
        while !Task.isCancelled {
            try? await configuration.clock.sleep(for: configuration.healthInterval)
            if Task.isCancelled { break }
            for endpoint in pool.endpoints {
                let wasHealthy = endpoint.isHealthy
                let result = await check(endpoint)
                if wasHealthy != endpoint.isHealthy {
                    logger.notice(
                        endpoint.isHealthy ? "vLLM server healthy" : "vLLM server unhealthy",
                        metadata: ["url": "\(endpoint.baseURL)", "problem": "\(result)"]
                    )
                }
            }
        }
    }

    enum HealthResult: CustomStringConvertible {
        case healthy
        case unhealthy(HealthProblem)

        var description: String {
            switch self {
            case .healthy: "healthy"
            case .unhealthy(let problem): problem.description
            }
        }
    }

    /// `GET /health` (the engine is up) and `GET /v1/models` (it serves our model), each
    /// within two seconds: both are instant on a live server, and the HTTP client would
    /// otherwise keep retrying a refused connection for the whole connect timeout.
    func check(_ endpoint: VLLMEndpoint) async -> HealthResult {
        let timeout = TimeAmount.seconds(2)
        var url = endpoint.healthURL
        do {
            let health = try await http.execute(request(url, method: .GET), timeout: timeout)
            let healthBody = try await health.body.collect(upTo: 1 << 16)
            guard health.status == .ok else {
                return unhealthy(endpoint, .status(url: url, code: health.status.code, body: String(buffer: healthBody)))
            }
            url = endpoint.baseURL + "/models"
            let models = try await http.execute(request(url, method: .GET), timeout: timeout)
            let body = try await models.body.collect(upTo: 1 << 20)
            guard models.status == .ok else {
                return unhealthy(endpoint, .status(url: url, code: models.status.code, body: String(buffer: body)))
            }
            let list: ServedModels
            do {
                list = try Self.decoder.decode(ServedModels.self, from: body)
            } catch {
                let reason = AnswerProblem.describe(error, body: String(buffer: body))
                return unhealthy(endpoint, .unreadable(url: url, what: "a model list", reason: reason))
            }
            guard let model = list.data.first(where: { $0.id == configuration.model }) else {
                let problem = HealthProblem.modelNotServed(
                    baseURL: endpoint.baseURL,
                    served: list.data.map(\.id),
                    wanted: configuration.model
                )
                return unhealthy(endpoint, problem)
            }
            endpoint.markHealthy(maxModelLength: model.maxModelLen)
            return .healthy
        } catch {
            let problem = HealthProblem.unreachable(url: url, reason: Self.describe(error))
            endpoint.healthCheckUnanswered(problem.description)
            return .unhealthy(problem)
        }
    }

    private func unhealthy(_ endpoint: VLLMEndpoint, _ problem: HealthProblem) -> HealthResult {
        endpoint.markUnhealthy(problem.description)
        return .unhealthy(problem)
    }

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
        while true {
            guard await limit.acquire() else { throw OCRError(.cancelled, "the job was stopped") }
            guard let endpoint = pool.checkOut() else {
                limit.release(.failed)
                throw OCRError(.engineUnavailable, "no healthy vLLM server (\(pool.problems))")
            }
            let started = clock.now
            let remaining = deadline - started
            let outcome = await send(page, prompt: request.prompt, maxTokens: budget, to: endpoint, timeout: remaining)
            pool.checkIn(endpoint)

            switch outcome {
            case .answered(let text, let finishReason, let tokens):
                limit.release(.answered(latency: clock.now - started, tokens: tokens))
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
                let delay = retryAfter ?? Self.backoff(attempt: pushbacks)
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
                let resume = clock.now + Self.backoff(attempt: pushbacks)
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

    // MARK: HTTP

    enum Outcome {
        case answered(String, finishReason: String?, tokens: Int?)
        /// 429, 503 or another 5xx: the server is overloaded, not ready or failing; worth retrying.
        case pushedBack(Int, retryAfter: Duration?)
        case unreachable(String)
        case timedOut
        /// 4xx: retrying the same request will not help.
        case rejected(Int, String)
        /// A 200 whose body is not a chat completion with a choice: why, naming the field.
        case unreadable(String)
        /// The job was stopped while the request was out.
        case stopped
    }

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

    private static let decoder = JSONDecoder()
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    private func send(
        _ page: PreparedPage,
        prompt: PromptStyle,
        maxTokens: Int,
        to endpoint: VLLMEndpoint,
        timeout: Duration
    ) async -> Outcome {
        guard timeout > .zero else { return .timedOut }
        var post = request(endpoint.baseURL + "/chat/completions", method: .POST)
        post.headers.add(name: "Content-Type", value: "application/json")
        do {
            let json = try Self.encoder.encode(body(page, prompt: prompt, maxTokens: maxTokens))
            post.body = .bytes(ByteBuffer(bytes: json))
        } catch {
            return .rejected(0, "cannot encode the request: \(error)")
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        let started = ContinuousClock.now
        do {
            response = try await http.execute(post, timeout: TimeAmount(timeout))
            bytes = try await response.body.collect(upTo: 64 << 20)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            FleetMetrics.engineRequest(engine: name, status: "timeout", took: .now - started)
            return .timedOut
        } catch {
            // A stopped job is no sign of a server problem.
            if Task.isCancelled { return .stopped }
            FleetMetrics.engineRequest(engine: name, status: "transport_error", took: .now - started)
            return .unreachable("cannot reach \(endpoint.baseURL): \(Self.describe(error))")
        }
        FleetMetrics.engineRequest(engine: name, status: "\(response.status.code)", took: .now - started)
        switch response.status.code {
        case 200:
            let answer: ChatCompletionAnswer
            do {
                answer = try Self.decoder.decode(ChatCompletionAnswer.self, from: bytes)
            } catch {
                return .unreadable(AnswerProblem.describe(error, body: String(buffer: bytes)))
            }
            guard let choice = answer.choices.first else { return .unreadable("`choices` is empty") }
            return .answered(
                choice.message.content ?? "",
                finishReason: choice.finishReason,
                tokens: answer.usage?.completionTokens
            )
        case 429, 503:
            let retryAfter = response.headers.first(name: "Retry-After").flatMap(Int.init).map { Duration.seconds($0) }
            return .pushedBack(Int(response.status.code), retryAfter: retryAfter)
        case 500...:
            return .pushedBack(Int(response.status.code), retryAfter: nil)
        default:
            let message =
                (try? Self.decoder.decode(VLLMErrorMessage.self, from: bytes))?.message
                ?? AnswerProblem.snippet(String(buffer: bytes), limit: 300)
            return .rejected(Int(response.status.code), message)
        }
    }

    private func request(_ url: String, method: HTTPMethod) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let key = configuration.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        return request
    }

    static func backoff(attempt: Int) -> Duration {
        let base = 0.25 * pow(2, Double(min(attempt - 1, 5)))
        return .milliseconds(Int(base * Double.random(in: 0.5...1.0) * 1000))
    }

    private func pause(until instant: FleetClock.Instant) async throws(OCRError) {
        do { try await configuration.clock.sleep(until: instant) } catch { throw OCRError(.cancelled, "the job was stopped") }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        return String(describing: error)
    }
}
