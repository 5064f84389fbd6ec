import Foundation
import Logging
import OCRFleetChatAPI
import OCRFleetModel

/// An instruction model behind an OpenAI-compatible chat API (vLLM, or any server that
/// implements `response_format` with a JSON schema), asked for answers valid against a schema.
///
/// Requests carry `response_format: {"type": "json_schema", "json_schema": {"name",
/// "schema", "strict": true}}`, `temperature: 0`, `max_tokens` and, when configured,
/// `logprobs: true`. Each answer is parsed and validated here whatever the server promises:
/// an invalid one is asked again once, with the violations stated, and a second invalid one
/// is a `model_invalid_output` error listing them per field; it is never passed on. The
/// servers are used as the OCR engine uses its own (`ChatServers`): requests in flight
/// bounded by an adaptive limit, health checks, least-outstanding balancing, and a 429/503 or
/// a refused connection sends the request to another healthy server at once.
public final class LanguageModelClient: Sendable {
    public let configuration: LanguageModelConfiguration
    let servers: ChatServers
    private let logger: Logger

    public init(configuration: LanguageModelConfiguration, logger: Logger = Logger(label: "ocrfleet.llm")) {
        self.configuration = configuration
        self.logger = logger
        servers = ChatServers(
            configuration: .init(
                endpoints: configuration.endpoints,
                model: configuration.model,
                modelSetting: "OCR_LLM_MODEL",
                apiKey: configuration.apiKey,
                maxInflight: configuration.maxInflight,
                healthInterval: configuration.healthInterval,
                connectTimeout: configuration.connectTimeout,
                clock: configuration.clock,
                metricsName: "llm"
            ),
            logger: logger
        )
    }

    public func shutdown() async throws { try await servers.shutdown() }

    /// Whether any server passed its last health check.
    public var isHealthy: Bool { servers.pool.hasHealthy }
    public var inflightLimit: Int { servers.limit.current }
    public var peakInflight: Int { servers.limit.peak }
    /// Requests waiting behind the in-flight limit.
    public var waitingRequests: Int { servers.limit.waiting }

    /// Checks every server once; a server that does not serve the model is a configuration
    /// mistake (`engine_unavailable`), one that does not answer yet is checked again by
    /// `monitorHealth`.
    public func start() async throws(LanguageModelError) {
        if let mistake = await servers.start() { throw LanguageModelError(.engineUnavailable, mistake.description) }
    }

    public func monitorHealth() async { await servers.monitorHealth() }

    /// The model's answer to `messages`, valid against `schema`.
    public func answer(
        _ messages: [ChatMessage],
        schema: JSONSchema,
        name: String = "extraction"
    ) async throws(LanguageModelError)
        -> ModelAnswer
    {
        // Set when the request is first sent, not while it waits behind the in-flight limit.
        var deadline: FleetClock.Instant?
        var conversation = messages
        var violations: [SchemaViolation] = []
        for attempt in 1...2 {
            let request = ChatCompletionRequest(
                model: configuration.model,
                messages: conversation,
                maxTokens: configuration.maxTokens,
                temperature: 0,
                responseFormat: .jsonSchema(name: name, schema: schema.source),
                logprobs: configuration.logprobs ? true : nil
            )
            let choice = try await complete(request, deadline: &deadline)
            let content = choice.message.content ?? ""
            let value: JSONValue
            do {
                value = try JSONDecoder().decode(JSONValue.self, from: Data(content.utf8))
                violations = schema.validate(value)
            } catch {
                value = .null
                violations = [SchemaViolation("", "the answer is not JSON")]
            }
            if choice.finishReason == "length" {
                violations.append(SchemaViolation("", "the answer was cut off at \(configuration.maxTokens) tokens"))
            }
            if violations.isEmpty {
                return ModelAnswer(value: value, content: content, tokens: choice.logprobs?.content, attempts: attempt)
            }
            logger.info(
                "the model's answer is not valid against the schema",
                metadata: ["attempt": "\(attempt)", "violations": "\(violations.map(\.description).joined(separator: "; "))"]
            )
            conversation += [
                ChatMessage(role: "assistant", content: [.text(content)]),
                ChatMessage(role: "user", content: [.text(Self.correction(violations))]),
            ]
        }
        throw LanguageModelError(
            .modelInvalidOutput,
            "the model gave no answer valid against the schema in 2 attempts: "
                + violations.map(\.description).joined(separator: "; "),
            violations: violations
        )
    }

    /// What the model is told after an invalid answer; it names places in the answer only,
    /// never quotes the document.
    static func correction(_ violations: [SchemaViolation]) -> String {
        "Your answer is not valid against the JSON schema:\n"
            + violations.map { "- \($0.pointer.isEmpty ? "the answer" : $0.pointer): \($0.message)" }.joined(separator: "\n")
            + "\nAnswer again with one JSON value valid against the schema, and nothing else."
    }

    /// One chat completion, through the in-flight limit, failing over between servers;
    /// `deadline`, when nil, is set `requestTimeout` after the request first leaves the limit.
    private func complete(
        _ request: ChatCompletionRequest,
        deadline: inout FleetClock.Instant?
    ) async throws(LanguageModelError)
        -> ChatCompletionAnswer.Choice
    {
        let clock = configuration.clock
        let limit = servers.limit
        let pool = servers.pool
        var pushbacks = 0
        var avoided: VLLMEndpoint?
        var rechecked = false
        while true {
            guard await limit.acquire() else { throw LanguageModelError(.cancelled, "the request was stopped") }
            guard let endpoint = pool.checkOut(avoiding: avoided) else {
                limit.release(.failed)
                if !rechecked {
                    rechecked = true
                    await servers.recheckUnhealthy()
                    continue
                }
                throw LanguageModelError(.engineUnavailable, "no healthy language model server (\(pool.problems))")
            }
            let started = clock.now
            let due = deadline ?? started + configuration.requestTimeout
            deadline = due
            let outcome = await servers.send(request, to: endpoint, timeout: due - started)
            pool.checkIn(endpoint)
            switch outcome {
            case .answered(let choice, let tokens):
                limit.release(.answered(latency: clock.now - started, tokens: tokens))
                return choice
            case .pushedBack(let status, let retryAfter):
                limit.release(.overloaded)
                pushbacks += 1
                avoided = endpoint
                // Another healthy server takes the request at once, once per server; then wait and retry.
                if pushbacks < pool.endpoints.count, pool.hasHealthy(besides: endpoint) { continue }
                let resume = clock.now + (retryAfter ?? ChatServers.backoff(attempt: pushbacks))
                guard resume < due else {
                    throw LanguageModelError(
                        .engineUnavailable,
                        "the language model at \(endpoint.baseURL) answered \(status) until the request's time ran out"
                    )
                }
                try await pause(until: resume)
            case .unreachable(let message):
                limit.release(.failed)
                endpoint.markUnhealthy(message)
                guard pool.hasHealthy else { throw LanguageModelError(.engineUnavailable, message) }
            case .timedOut:
                limit.release(.overloaded)
                throw LanguageModelError(
                    .engineTimeout,
                    "the language model at \(endpoint.baseURL) took longer than \(configuration.requestTimeout)"
                )
            case .stopped:
                limit.release(.failed)
                throw LanguageModelError(.cancelled, "the request was stopped")
            case .rejected(let status, let message):
                limit.release(.failed)
                if status == 404 { endpoint.markUnhealthy(message) }
                throw LanguageModelError(
                    .engineUnavailable,
                    "the language model at \(endpoint.baseURL) rejected the request (\(status)): \(message)"
                )
            case .unreadable(let reason):
                limit.release(.failed)
                throw LanguageModelError(
                    .engineUnavailable,
                    "the language model at \(endpoint.baseURL) answered 200, but not a chat completion: \(reason)"
                )
            }
        }
    }

    private func pause(until instant: FleetClock.Instant) async throws(LanguageModelError) {
        do { try await configuration.clock.sleep(until: instant) } catch {
            throw LanguageModelError(.cancelled, "the request was stopped")
        }
    }
}
