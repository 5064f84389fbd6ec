import Foundation

/// The chat completion request the engine sends to vLLM's OpenAI-compatible API
/// (`POST /v1/chat/completions`), with vLLM's extensions `skip_special_tokens` and
/// `vllm_xargs`; the vLLM double decodes the same type.
public struct ChatCompletionRequest: Codable, Sendable, Equatable {
    public var model: String
    public var messages: [ChatMessage]
    public var maxTokens: Int?
    public var temperature: Double?
    public var skipSpecialTokens: Bool?
    /// Arguments for vLLM's per-request logits processors; DeepSeek-OCR's
    /// `NGramPerReqLogitsProcessor` reads `ngram_size`, `window_size` and `whitelist_token_ids`.
    public var vllmXargs: [String: ExtraArgument]?

    enum CodingKeys: String, CodingKey {
        case model, messages, temperature
        case maxTokens = "max_tokens"
        case skipSpecialTokens = "skip_special_tokens"
        case vllmXargs = "vllm_xargs"
    }

    public init(
        model: String,
        messages: [ChatMessage],
        maxTokens: Int?,
        temperature: Double?,
        skipSpecialTokens: Bool?,
        vllmXargs: [String: ExtraArgument]?
    ) {
        self.model = model
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.skipSpecialTokens = skipSpecialTokens
        self.vllmXargs = vllmXargs
    }
}

public struct ChatMessage: Codable, Sendable, Equatable {
    public var role: String
    public var content: [ContentPart]

    public init(role: String, content: [ContentPart]) {
        self.role = role
        self.content = content
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        role = try container.decode(String.self, forKey: .role)
        // OpenAI allows a plain string as the whole content.
        if let text = try? container.decode(String.self, forKey: .content) {
            content = [.text(text)]
        } else {
            content = try container.decode([ContentPart].self, forKey: .content)
        }
    }
}

public enum ContentPart: Codable, Sendable, Equatable {
    case text(String)
    case imageURL(String)

    enum CodingKeys: String, CodingKey {
        case type
        case text
        case imageURL = "image_url"
    }
    struct ImageURL: Codable { var url: String }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "text": self = .text(try container.decode(String.self, forKey: .text))
        case "image_url": self = .imageURL(try container.decode(ImageURL.self, forKey: .imageURL).url)
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type,
                in: container,
                debugDescription: "unsupported content part type '\(type)'"
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .text(let text):
            try container.encode("text", forKey: .type)
            try container.encode(text, forKey: .text)
        case .imageURL(let url):
            try container.encode("image_url", forKey: .type)
            try container.encode(ImageURL(url: url), forKey: .imageURL)
        }
    }
}

/// A `vllm_xargs` value: vLLM accepts numbers and strings, and lists of them since the
/// release that added list support (older releases answer 400 to a list).
public enum ExtraArgument: Codable, Sendable, Equatable {
    case int(Int)
    case ints([Int])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else {
            self = .ints(try container.decode([Int].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .ints(let values): try container.encode(values)
        }
    }
}

/// What the engine reads of a chat completion answer: the first choice's text and why it
/// ended, and the generated token count. Everything else vLLM sends (ids, timestamps, logprobs,
/// its own additions) is ignored, so a release that adds, drops or renames those changes nothing.
struct ChatCompletionAnswer: Decodable {
    struct Choice: Decodable {
        struct Message: Decodable { var content: String? }
        var message: Message
        var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case message
            case finishReason = "finish_reason"
        }
    }

    struct Usage: Decodable {
        var completionTokens: Int?

        enum CodingKeys: String, CodingKey { case completionTokens = "completion_tokens" }
    }

    var choices: [Choice]
    var usage: Usage?
}

/// What the health check reads of `GET /v1/models`: the served model ids, and vLLM's
/// `max_model_len`, which sizes the token-budget retry. `object`, `created`, `owned_by`,
/// `root`, `parent` and `permission` are ignored: servers and releases differ in them.
struct ServedModels: Decodable {
    struct Model: Decodable {
        var id: String
        var maxModelLen: Int?

        enum CodingKeys: String, CodingKey {
            case id
            case maxModelLen = "max_model_len"
        }
    }

    var data: [Model]
}

/// The message of vLLM's error body: `{"error": {"message", …}}` in current releases, the
/// same fields at the top level in older ones.
struct VLLMErrorMessage: Decodable {
    var message: String

    init(from decoder: any Decoder) throws {
        enum Keys: String, CodingKey { case error, message }
        let container = try decoder.container(keyedBy: Keys.self)
        if let nested = try? container.nestedContainer(keyedBy: Keys.self, forKey: .error) {
            message = try nested.decode(String.self, forKey: .message)
        } else {
            message = try container.decode(String.self, forKey: .message)
        }
    }
}

/// Why an answer could not be read, in a server operator's terms: the field that is missing
/// or wrong, as a path into the JSON (`data[0].id`), or that the body is not JSON at all.
enum AnswerProblem {
    static func describe(_ error: any Error, body: String) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, let context):
            return "`\(path(context.codingPath + [key]))` is missing"
        case .valueNotFound(_, let context):
            return "`\(path(context.codingPath))` is null"
        case .typeMismatch(let type, let context):
            return "`\(path(context.codingPath))` is not \(name(of: type))"
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return "the body is not JSON: \(snippet(body))"
        case .dataCorrupted(let context):
            return "`\(path(context.codingPath))`: \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    /// The start of a body on one line, for messages.
    static func snippet(_ body: String, limit: Int = 200) -> String {
        let line = body.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        if line.isEmpty { return "(empty)" }
        return line.count > limit ? String(line.prefix(limit)) + "…" : line
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        var path = ""
        for key in keys {
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return path.isEmpty ? "the answer" : path
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        case is [Any].Type: "a list"
        default: "an object"
        }
    }
}
