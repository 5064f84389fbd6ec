import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import OCRFleetChatAPI
import OCRFleetDeepSeek
import OCRFleetDocuments
import OCRFleetEngines
import ServiceLifecycle
import Synchronization

/// A stand-in for `vllm serve deepseek-ai/DeepSeek-OCR` for tests and benchmarks, where no
/// GPU is available. It serves the same routes (`/health`, `/v1/models`,
/// `/v1/chat/completions`), checks each request as vLLM does and answers as vLLM does, in
/// DeepSeek-OCR's grounded format; with `recognizeText` it reads the received image with
/// Tesseract, so a garbled or wrongly sized image shows up as wrong text. Latency, 429/503
/// answers, hangs, cut-off answers and repetition loops can be injected. With
/// `instructionModel` it also serves an instruction model's structured answers
/// (`InstructionModel.swift`), whose invalid answers can be injected too.
public final class VLLMDouble: Sendable {
    /// How the double behaves; change it at any time with `update`.
    public struct Behaviour: Sendable {
        public var servedModel = "deepseek-ai/DeepSeek-OCR"
        public var maxModelLength = 8192
        /// Added to every chat completion, as a GPU's time per page.
        public var latency: Duration = .zero
        /// Read the image with Tesseract (else answer a fixed block: for benchmarks).
        public var recognizeText = true
        /// Reject a list in `vllm_xargs`, as vLLM releases before list support did.
        public var legacyExtraArguments = false
        /// Make every answer run into a repetition loop until its token budget.
        public var repetitionLoop = false
        /// Pad answers with this many extra tokens (to provoke `finish_reason: length`).
        public var extraAnswerTokens = 0
        /// Answer `GET /v1/models` with this status and JSON body instead of vLLM's list: what
        /// another OpenAI-compatible server, a proxy or a broken deployment would send.
        public var modelsAnswer: (status: Int, body: String)?
        /// Also serve an instruction model under this name, answering `response_format` requests.
        public var instructionModel: String?

        public init() {}
    }

    public enum Fault: Sendable {
        /// Answer with this status and vLLM's error body (429 and 503 with `Retry-After`
        /// when given).
        case status(Int, retryAfter: Int?)
        /// Never answer.
        case hang
    }

    /// What the instruction model answers instead of a valid answer, once per injection.
    public enum AnswerFault: Sendable {
        /// Text that is not JSON.
        case invalidJSON
        /// JSON of the wrong type at every property of the schema.
        case schemaViolation
    }

    /// What the double has seen.
    public struct Statistics: Sendable {
        /// The instruction model's requests, in order.
        public var instructionRequests: [ChatCompletionRequest] = []
        /// Instruction requests whose document was not inside a `<document-NONCE>` block: the
        /// double then reads no text at all.
        public var undelimitedDocuments = 0
        public var completions = 0
        public var inflight = 0
        public var peakInflight = 0
        public var statuses: [Int: Int] = [:]
        public var lastRequest: ChatCompletionRequest?
        public var maxTokensSeen: [Int] = []
        /// Request body bytes received by chat completions.
        public var bytesReceived = 0
        /// Each different page image the OCR requests carried (hashed): what was asked for,
        /// whatever a client's retries repeated.
        public var distinctImages: Set<Int> = []
    }

    struct State {
        var behaviour: Behaviour
        var faults: [Fault] = []
        var answerFaults: [AnswerFault] = []
        var statistics = Statistics()
    }

    let state: Mutex<State>
    let tesseract: TesseractEngine?
    let logger: Logger

    public init(behaviour: Behaviour = Behaviour(), logger: Logger = Logger(label: "vllm-double")) throws {
        state = Mutex(State(behaviour: behaviour))
        tesseract = try TesseractEngine(concurrency: ProcessorBudget.cores)
        self.logger = logger
    }

    public func update(_ change: (inout Behaviour) -> Void) { state.withLock { change(&$0.behaviour) } }

    /// The next `count` chat completions get `fault` instead of an answer.
    public func inject(_ fault: Fault, count: Int = 1) {
        state.withLock { $0.faults += Array(repeating: fault, count: count) }
    }

    /// The next `count` instruction answers get `fault`.
    public func injectAnswer(_ fault: AnswerFault, count: Int = 1) {
        state.withLock { $0.answerFaults += Array(repeating: fault, count: count) }
    }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// The HTTP application; run it as a service. `onServerRunning` receives the bound port.
    public func makeApplication(
        host: String = "127.0.0.1",
        port: Int = 0,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/health") { _, _ in Response(status: .ok) }
        router.get("/v1/models") { _, _ in try self.models() }
        router.post("/v1/chat/completions") { request, _ in await self.chatCompletion(request) }
        // Not part of vLLM's API: counters for benchmarks that run the double as a process.
        router.get("/double/statistics") { _, _ in
            let statistics = self.statistics
            return try Self.json(
                [
                    "completions": statistics.completions, "peak_inflight": statistics.peakInflight,
                    "bytes_received": statistics.bytesReceived,
                    "instruction_requests": statistics.instructionRequests.count,
                ],
                status: .ok
            )
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "vllm-double"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    func models() throws -> Response {
        let behaviour = state.withLock { $0.behaviour }
        if let answer = behaviour.modelsAnswer {
            var response = Response(
                status: HTTPResponse.Status(code: answer.status),
                body: .init(byteBuffer: ByteBuffer(string: answer.body))
            )
            response.headers[.contentType] = "application/json"
            return response
        }
        let now = Int(Date().timeIntervalSince1970)
        let card = ModelCard(
            id: behaviour.servedModel,
            created: now,
            root: behaviour.servedModel,
            maxModelLen: behaviour.maxModelLength,
            permission: [ModelPermission(created: now)]
        )
        var cards = [card]
        if let instruction = behaviour.instructionModel {
            cards.append(
                ModelCard(
                    id: instruction,
                    created: now,
                    root: instruction,
                    maxModelLen: behaviour.maxModelLength,
                    permission: [ModelPermission(created: now)]
                )
            )
        }
        return try Self.json(ModelList(data: cards), status: .ok)
    }

    func chatCompletion(_ request: Request) async -> Response {
        let (behaviour, fault) = state.withLock { state -> (Behaviour, Fault?) in
            state.statistics.inflight += 1
            state.statistics.peakInflight = max(state.statistics.peakInflight, state.statistics.inflight)
            return (state.behaviour, state.faults.isEmpty ? nil : state.faults.removeFirst())
        }
        let response = await answer(request, behaviour: behaviour, fault: fault)
        state.withLock {
            $0.statistics.inflight -= 1
            $0.statistics.statuses[Int(response.status.code), default: 0] += 1
        }
        return response
    }

    private func answer(_ request: Request, behaviour: Behaviour, fault: Fault?) async -> Response {
        switch fault {
        case .status(let status, let retryAfter):
            var response = Self.error(
                status: HTTPResponse.Status(code: status),
                message: status == 429 ? "Too many requests" : "The server is not ready",
                type: "ServiceUnavailableError"
            )
            if let retryAfter { response.headers[.retryAfter] = "\(retryAfter)" }
            return response
        case .hang:
            try? await Task.sleep(for: .seconds(3600))
            return Self.error(status: .serviceUnavailable, message: "hung", type: "ServiceUnavailableError")
        case nil:
            break
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: 256 << 20)
        } catch {
            return Self.error(status: .contentTooLarge, message: "request body too large", type: "BadRequestError")
        }
        let completion: ChatCompletionRequest
        do {
            completion = try JSONDecoder().decode(ChatCompletionRequest.self, from: body)
        } catch {
            return Self.error(status: .badRequest, message: "invalid request body: \(error)", type: "BadRequestError")
        }
        state.withLock {
            $0.statistics.bytesReceived += body.readableBytes
            $0.statistics.completions += 1
            $0.statistics.lastRequest = completion
            $0.statistics.maxTokensSeen.append(completion.maxTokens ?? -1)
        }
        if completion.model == behaviour.instructionModel {
            return await instructionAnswer(completion, behaviour: behaviour)
        }
        let checked: CheckedRequest
        switch Self.check(completion, body: body, behaviour: behaviour) {
        case .success(let value): checked = value
        case .failure(let rejection): return rejection.response
        }
        state.withLock { _ = $0.statistics.distinctImages.insert(checked.image.hashValue) }
        if behaviour.latency > .zero { try? await Task.sleep(for: behaviour.latency) }

        var text: String
        if behaviour.recognizeText, let tesseract {
            guard let page = PageImage(decoding: checked.image) else {
                return Self.error(status: .badRequest, message: "Failed to load image: cannot decode it", type: "BadRequestError")
            }
            do {
                let blocks = try await tesseract.paragraphs(of: page, request: RecognitionRequest(pageTimeout: .seconds(60)))
                text = Self.grounded(blocks, width: page.width, height: page.height, grounding: checked.grounding)
            } catch {
                return Self.error(status: .internalServerError, message: "\(error)", type: "InternalServerError")
            }
        } else {
            text =
                checked.grounding
                ? "<|ref|>text<|/ref|><|det|>[[0, 0, 999, 999]]<|/det|>\nA page of \(checked.width)×\(checked.height) pixels.\n\n"
                : "A page of \(checked.width)×\(checked.height) pixels.\n"
        }
        text += String(repeating: " filler", count: behaviour.extraAnswerTokens)
        let budget = completion.maxTokens ?? (behaviour.maxModelLength - checked.promptTokens)
        var finishReason = "stop"
        if behaviour.repetitionLoop {
            let loop = "\nThe same line again."
            while Self.tokens(text) + Self.tokens(loop) <= budget { text += loop }
            finishReason = "length"
        } else if Self.tokens(text) > budget {
            text = String(text.unicodeScalars.prefix(budget * 4).map(Character.init))
            finishReason = "length"
        }
        let answer = ChatCompletion(
            created: Int(Date().timeIntervalSince1970),
            model: completion.model,
            content: text,
            finishReason: finishReason,
            promptTokens: checked.promptTokens,
            completionTokens: Self.tokens(text)
        )
        return (try? Self.json(answer, status: .ok))
            ?? Self.error(status: .internalServerError, message: "cannot encode", type: "InternalServerError")
    }

    /// About four bytes of text per token, as for DeepSeek's tokenizer on English.
    static func tokens(_ text: String) -> Int { (text.utf8.count + 3) / 4 }

    /// Tesseract's paragraphs in DeepSeek-OCR's grounded format, boxes on the 0-999 grid.
    static func grounded(_ blocks: [LayoutBlock], width: Int, height: Int, grounding: Bool) -> String {
        guard grounding else { return blocks.map(\.text).joined(separator: "\n\n") + "\n" }
        func grid(_ value: Int, _ size: Int) -> Int { size > 0 ? min(999, value * 999 / size) : 0 }
        return blocks.map { block in
            let box = [grid(block.box[0], width), grid(block.box[1], height), grid(block.box[2], width), grid(block.box[3], height)]
            return "<|ref|>text<|/ref|><|det|>[[\(box[0]), \(box[1]), \(box[2]), \(box[3])]]<|/det|>\n\(block.text)\n\n"
        }.joined()
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var response = Response(status: status, body: .init(byteBuffer: ByteBuffer(data: try encoder.encode(value))))
        response.headers[.contentType] = "application/json"
        return response
    }

    /// vLLM's error body and status.
    static func error(status: HTTPResponse.Status, message: String, type: String, param: String? = nil) -> Response {
        (try? json(ErrorBody(error: .init(message: message, type: type, param: param, code: status.code)), status: status))
            ?? Response(status: status)
    }
}
