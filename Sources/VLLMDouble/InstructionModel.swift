import Foundation
import Hummingbird
import OCRFleetChatAPI
import OCRFleetLanguageModel
import OCRFleetModel
import Synchronization

/// The double as vLLM serving an instruction model: the request checks vLLM makes for a text
/// chat with structured output, and an answer that honours `response_format` by filling the
/// schema from the document (`DocumentReader`). The document is read only from inside the
/// user message's `<document-NONCE>` … `</document-NONCE>` block; the system message and
/// anything outside the block are never read, and a request without the block is counted in
/// `Statistics.undelimitedDocuments` and answered from no text at all. Earlier corrections in
/// the prompt are honoured as `Corrections.swift` describes.
///
/// With `logprobs`, the answer is cut into tokens of up to four bytes that never straddle a
/// value: a value read from the text gets log(0.9) per token, a stand-in the schema required
/// log(0.3), and the JSON around them log(0.99).
extension VLLMDouble {
    static let readLogprob = log(0.9)
    static let standInLogprob = log(0.3)
    static let structureLogprob = log(0.99)

    func instructionAnswer(_ request: ChatCompletionRequest, behaviour: Behaviour) async -> Response {
        let fault = state.withLock { state -> AnswerFault? in
            state.statistics.instructionRequests.append(request)
            return state.answerFaults.isEmpty ? nil : state.answerFaults.removeFirst()
        }
        let schema: JSONSchema?
        switch Self.checkInstruction(request, behaviour: behaviour) {
        case .success(let value): schema = value
        case .failure(let rejection): return rejection.response
        }
        if behaviour.latency > .zero { try? await Task.sleep(for: behaviour.latency) }

        let document = Self.document(in: request.messages)
        if document == nil { state.withLock { $0.statistics.undelimitedDocuments += 1 } }
        var segments: [(text: String, logprob: Double)]
        if let schema {
            var reader = DocumentReader(text: document ?? "", schema: schema)
            var read: Set<String> = []
            var value = Self.applying(
                Self.corrections(in: request.messages),
                to: reader.read(),
                document: document ?? "",
                read: &read
            )
            read.formUnion(reader.found)
            if fault == .schemaViolation { value = Self.violating(value) }
            segments = []
            Self.write(value, at: "", read: read, into: &segments)
        } else {
            segments = [("The document says: " + (document ?? ""), Self.readLogprob)]
        }
        if fault == .invalidJSON { segments = [("{\"answer\": ", Self.structureLogprob), ("unfinished", Self.readLogprob)] }
        let content = segments.map(\.text).joined()
        let tokens = segments.flatMap { Self.tokens($0.text, logprob: $0.logprob) }
        let promptTokens = Self.tokens(request.messages.flatMap(\.content).map(Self.text).joined())
        let answer = ChatCompletion(
            created: Int(Date().timeIntervalSince1970),
            model: request.model,
            content: content,
            finishReason: "stop",
            promptTokens: promptTokens,
            completionTokens: tokens.count,
            logprobs: request.logprobs == true ? tokens : nil
        )
        return (try? Self.json(answer, status: .ok))
            ?? Self.error(status: .internalServerError, message: "cannot encode", type: "InternalServerError")
    }

    /// vLLM's checks for a text chat with structured output, with its status codes and
    /// messages; the schema when `response_format` asks for one.
    static func checkInstruction(_ request: ChatCompletionRequest, behaviour: Behaviour) -> Result<JSONSchema?, Rejection> {
        func reject(_ message: String, param: String? = nil) -> Result<JSONSchema?, Rejection> {
            .failure(Rejection(response: error(status: .badRequest, message: message, type: "BadRequestError", param: param)))
        }
        guard !request.messages.isEmpty else { return reject("messages must not be empty", param: "messages") }
        for (index, message) in request.messages.enumerated() {
            guard ["system", "developer", "user", "assistant"].contains(message.role) else {
                return reject(
                    "1 validation error for ChatCompletionRequest\nmessages.\(index).role\n  Input should be 'system', 'developer', 'user' or 'assistant'",
                    param: "messages"
                )
            }
            if message.content.contains(where: { if case .imageURL = $0 { true } else { false } }) {
                return reject("\(request.model) is not a multimodal model", param: "messages")
            }
        }
        if let temperature = request.temperature, temperature < 0 {
            return reject("temperature must be non-negative, got \(temperature).", param: "temperature")
        }
        if let top = request.topLogprobs {
            guard request.logprobs == true else {
                return reject("when using `top_logprobs`, `logprobs` must be set to true.", param: "top_logprobs")
            }
            guard (0...20).contains(top) else { return reject("`top_logprobs` must be between 0 and 20.", param: "top_logprobs") }
        }
        let promptTokens = tokens(request.messages.flatMap(\.content).map(text).joined())
        if let problem = tokenBudgetProblem(request.maxTokens, promptTokens: promptTokens, behaviour: behaviour) {
            return reject(problem, param: "max_tokens")
        }
        guard let format = request.responseFormat else { return .success(nil) }
        switch format.type {
        case "text", "json_object":
            return .success(nil)
        case "json_schema":
            guard let jsonSchema = format.jsonSchema else {
                return reject(
                    "1 validation error for ChatCompletionRequest\nresponse_format.json_schema\n  Field required",
                    param: "response_format"
                )
            }
            guard let source = jsonSchema.schema else {
                return reject("The 'json_schema' response format requires a 'schema'.", param: "response_format")
            }
            do {
                return .success(try JSONSchema(source))
            } catch {
                return reject("The provided JSON schema contains features not supported by xgrammar.", param: "response_format")
            }
        default:
            return reject(
                "1 validation error for ChatCompletionRequest\nresponse_format.type\n  Input should be 'text', 'json_object', 'json_schema' or 'structural_tag'",
                param: "response_format"
            )
        }
    }

    /// The text inside the user messages' `<document-NONCE>` block, or nil when there is none.
    static func document(in messages: [ChatMessage]) -> String? {
        for message in messages where message.role == "user" {
            let text = message.content.map(Self.text).joined()
            guard let open = text.firstMatch(of: /<(document-[0-9a-f]{32})>\n/) else { continue }
            let close = "\n</\(open.1)>"
            guard let end = text.range(of: close, range: open.range.upperBound..<text.endIndex) else { continue }
            return String(text[open.range.upperBound..<end.lowerBound])
        }
        return nil
    }

    static func text(_ part: ContentPart) -> String {
        if case .text(let text) = part { return text }
        return ""
    }

    /// `value` with every member given a value of the wrong type (a string or null becomes 0, anything else "wrong").
    static func violating(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members): .object(members.mapValues(violating))
        case .string, .null: .number(0)
        default: .string("wrong")
        }
    }

    /// JSON text of `value`, in segments that each carry their tokens' log-probability.
    static func write(_ value: JSONValue, at pointer: String, read: Set<String>, into segments: inout [(text: String, logprob: Double)]) {
        switch value {
        case .object(let members):
            segments.append(("{", structureLogprob))
            for (index, (name, member)) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                segments.append(((index > 0 ? ", " : "") + encoded(.string(name)) + ": ", structureLogprob))
                write(member, at: JSONPointer.appending(name, to: pointer), read: read, into: &segments)
            }
            segments.append(("}", structureLogprob))
        case .array(let elements):
            segments.append(("[", structureLogprob))
            for (index, element) in elements.enumerated() {
                if index > 0 { segments.append((", ", structureLogprob)) }
                write(element, at: JSONPointer.appending(index, to: pointer), read: read, into: &segments)
            }
            segments.append(("]", structureLogprob))
        default:
            let readHere = read.contains(pointer) || read.contains(where: { pointer.hasPrefix($0 + "/") })
            segments.append((encoded(value), readHere ? readLogprob : standInLogprob))
        }
    }

    static func encoded(_ value: JSONValue) -> String {
        if case .number(let number) = value, number == number.rounded(), abs(number) < 1e15 { return String(Int(number)) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    /// Tokens of up to four bytes, never splitting a character.
    static func tokens(_ text: String, logprob: Double) -> [TokenLogprob] {
        var tokens: [TokenLogprob] = []
        var current = ""
        for character in text {
            if current.utf8.count + character.utf8.count > 4, !current.isEmpty {
                tokens.append(TokenLogprob(token: current, logprob: logprob, bytes: Array(current.utf8)))
                current = ""
            }
            current.append(character)
        }
        if !current.isEmpty { tokens.append(TokenLogprob(token: current, logprob: logprob, bytes: Array(current.utf8))) }
        return tokens
    }
}
