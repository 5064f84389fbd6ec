import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import OCRFleetMetrics
import OCRFleetModel
import Synchronization

/// The OpenAI-compatible servers of one model, as every model client of the fleet uses them:
/// a keep-alive connection pool, health checks (`/health`, then `/v1/models` serving the
/// model), least-outstanding balancing over the healthy ones, the adaptive in-flight limit, and
/// one request sent and its answer classified. What to send and what to do with each outcome
/// (retry, fail over, give up) is the client's.
public final class ChatServers: Sendable {
    public struct Configuration: Sendable {
        /// Base URLs, `http://host:8000/v1`.
        public var endpoints: [String]
        public var model: String
        /// The setting that names the model, for the message when a server does not serve it.
        public var modelSetting: String
        public var apiKey: String?
        public var maxInflight: Int
        public var healthInterval: Duration
        public var connectTimeout: Duration
        public var clock: FleetClock
        /// The `engine` label of the request metrics.
        public var metricsName: String

        public init(
            endpoints: [String],
            model: String,
            modelSetting: String,
            apiKey: String?,
            maxInflight: Int,
            healthInterval: Duration,
            connectTimeout: Duration,
            clock: FleetClock,
            metricsName: String
        ) {
            self.endpoints = endpoints
            self.model = model
            self.modelSetting = modelSetting
            self.apiKey = apiKey
            self.maxInflight = maxInflight
            self.healthInterval = healthInterval
            self.connectTimeout = connectTimeout
            self.clock = clock
            self.metricsName = metricsName
        }
    }

    public let configuration: Configuration
    public let pool: EndpointPool
    public let limit: AdaptiveLimit
    private let http: HTTPClient
    private let logger: Logger
    /// The round of checks under way on behalf of requests that found no healthy server.
    private let recheck = Mutex<Task<Void, Never>?>(nil)

    public init(configuration: Configuration, logger: Logger) {
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
        // The job's own span covers its requests; a client span per request would only add
        // volume, and whether one is recorded must not depend on when the client was made.
        http.tracing.tracer = nil
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http)
    }

    public func shutdown() async throws { try await http.shutdown() }

    // MARK: Health

    public enum HealthResult: CustomStringConvertible, Sendable {
        case healthy
        case unhealthy(HealthProblem)

        public var description: String {
            switch self {
            case .healthy: "healthy"
            case .unhealthy(let problem): problem.description
            }
        }
    }

    /// Checks every server once, at start-up. Returns the problem of the first that answers but
    /// does not serve the model: a configuration mistake, for the caller to refuse. One that
    /// does not answer yet (still loading weights, say) is only logged, and checked again by
    /// `monitorHealth`.
    public func start() async -> HealthProblem? {
        var mistake: HealthProblem?
        for endpoint in pool.endpoints {
            if case .unhealthy(let problem) = await check(endpoint), case .modelNotServed = problem, mistake == nil {
                mistake = problem
            }
        }
        if mistake == nil, !pool.hasHealthy {
            logger.warning(
                "no model server is healthy yet",
                metadata: ["model": "\(configuration.model)", "problems": "\(pool.problems)"]
            )
        }
        return mistake
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
                        endpoint.isHealthy ? "model server healthy" : "model server unhealthy",
                        metadata: ["url": "\(endpoint.baseURL)", "model": "\(configuration.model)", "problem": "\(result)"]
                    )
                }
            }
        }
    }

    /// Checks every unhealthy server now, for a request that found none healthy: the last
    /// check may only have come while the server (or this host) was too busy to answer, and
    /// a server that came back since need not wait for the next round. Requests at the same
    /// time share one round.
    public func recheckUnhealthy() async {
        let round = recheck.withLock { running in
            if let running { return running }
            let round = Task {
                await withDiscardingTaskGroup { group in
                    for endpoint in pool.endpoints where !endpoint.isHealthy {
                        group.addTask { _ = await self.check(endpoint) }
                    }
                }
                recheck.withLock { $0 = nil }
            }
            running = round
            return round
        }
        await round.value
    }

    /// `GET /health` (the server is up) and `GET /v1/models` (it serves our model), each
    /// within two seconds: both are instant on a live server, and the HTTP client would
    /// otherwise keep retrying a refused connection for the whole connect timeout.
    public func check(_ endpoint: VLLMEndpoint) async -> HealthResult {
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
                    wanted: configuration.model,
                    setting: configuration.modelSetting
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

    // MARK: Requests

    public enum Outcome: Sendable {
        /// The first choice, and the generated token count when the server reports it.
        case answered(ChatCompletionAnswer.Choice, tokens: Int?)
        /// 429, 503 or another 5xx: the server is overloaded, not ready or failing; worth retrying.
        case pushedBack(Int, retryAfter: Duration?)
        case unreachable(String)
        case timedOut
        /// 4xx: retrying the same request will not help.
        case rejected(Int, String)
        /// A 200 whose body is not a chat completion with a choice: why, naming the field.
        case unreadable(String)
        /// The caller's task was cancelled while the request was out.
        case stopped
    }

    private static let decoder = JSONDecoder()
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    /// Sends one chat completion to `endpoint` and classifies the answer.
    public func send(_ body: ChatCompletionRequest, to endpoint: VLLMEndpoint, timeout: Duration) async -> Outcome {
        guard timeout > .zero else { return .timedOut }
        var post = request(endpoint.baseURL + "/chat/completions", method: .POST)
        post.headers.add(name: "Content-Type", value: "application/json")
        do {
            post.body = .bytes(ByteBuffer(bytes: try Self.encoder.encode(body)))
        } catch {
            return .rejected(0, "cannot encode the request: \(error)")
        }
        let name = configuration.metricsName
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
            return .answered(choice, tokens: answer.usage?.completionTokens)
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

    /// Exponential back-off with jitter: 0.25 s doubling up to 8 s, each drawn from its upper half.
    public static func backoff(attempt: Int) -> Duration {
        let base = 0.25 * pow(2, Double(min(attempt - 1, 5)))
        return .milliseconds(Int(base * Double.random(in: 0.5...1.0) * 1000))
    }

    public static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        return String(describing: error)
    }
}
