import Foundation
import OCRFleetModel

/// The chat completion request the fleet's model clients send to an OpenAI-compatible API
/// (`POST /v1/chat/completions`), with vLLM's extensions `skip_special_tokens` and
/// `vllm_xargs`; the vLLM double decodes the same type. Fields left nil are not sent.
public struct ChatCompletionRequest: Codable, Sendable, Equatable {
    public var model: String
    public var messages: [ChatMessage]
    public var maxTokens: Int?
    public var temperature: Double?
    public var skipSpecialTokens: Bool?
    /// Arguments for vLLM's per-request logits processors; DeepSeek-OCR's
    /// `NGramPerReqLogitsProcessor` reads `ngram_size`, `window_size` and `whitelist_token_ids`.
    public var vllmXargs: [String: ExtraArgument]?
    /// Structured output, as OpenAI and vLLM document it.
    public var responseFormat: ResponseFormat?
    /// Ask for each generated token's log-probability (`choices[].logprobs.content`).
    public var logprobs: Bool?
    public var topLogprobs: Int?

    enum CodingKeys: String, CodingKey {
        case model, messages, temperature, logprobs
        case maxTokens = "max_tokens"
        case skipSpecialTokens = "skip_special_tokens"
        case vllmXargs = "vllm_xargs"
        case responseFormat = "response_format"
        case topLogprobs = "top_logprobs"
    }

    public init(
        model: String,
        messages: [ChatMessage],
        maxTokens: Int?,
        temperature: Double?,
        skipSpecialTokens: Bool? = nil,
        vllmXargs: [String: ExtraArgument]? = nil,
        responseFormat: ResponseFormat? = nil,
        logprobs: Bool? = nil,
        topLogprobs: Int? = nil
    ) {
        self.model = model
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.skipSpecialTokens = skipSpecialTokens
        self.vllmXargs = vllmXargs
        self.responseFormat = responseFormat
        self.logprobs = logprobs
        self.topLogprobs = topLogprobs
    }
}

/// `response_format`: `{"type": "json_schema", "json_schema": {"name", "schema", "strict"}}`
/// asks for JSON valid against `schema` (vLLM enforces it with its structured-output backend);
/// `{"type": "json_object"}` and `{"type": "text"}` are the other types OpenAI defines.
public struct ResponseFormat: Codable, Sendable, Equatable {
    public struct JSONSchemaFormat: Codable, Sendable, Equatable {
        public var name: String
        public var schema: JSONValue?
        public var strict: Bool?

        public init(name: String, schema: JSONValue?, strict: Bool?) {
            self.name = name
            self.schema = schema
            self.strict = strict
        }
    }

    public var type: String
    public var jsonSchema: JSONSchemaFormat?

    enum CodingKeys: String, CodingKey {
        case type
        case jsonSchema = "json_schema"
    }

    public init(type: String, jsonSchema: JSONSchemaFormat?) {
        self.type = type
        self.jsonSchema = jsonSchema
    }

    public static func jsonSchema(name: String, schema: JSONValue) -> ResponseFormat {
        ResponseFormat(type: "json_schema", jsonSchema: JSONSchemaFormat(name: name, schema: schema, strict: true))
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

/// What the clients read of a chat completion answer: the first choice's text, why it ended
/// and its tokens' log-probabilities when asked for, and the generated token count. Everything
/// else vLLM sends (ids, timestamps, its own additions) is ignored, so a release that adds,
/// drops or renames those changes nothing.
public struct ChatCompletionAnswer: Decodable, Sendable {
    public struct Choice: Decodable, Sendable {
        public struct Message: Decodable, Sendable { public var content: String? }
        /// `{"content": [{"token", "logprob", "bytes", "top_logprobs"}]}`; null unless asked for.
        public struct Logprobs: Decodable, Sendable {
            public var content: [TokenLogprob]?
        }
        public var message: Message
        public var finishReason: String?
        public var logprobs: Logprobs?

        enum CodingKeys: String, CodingKey {
            case message, logprobs
            case finishReason = "finish_reason"
        }
    }

    public struct Usage: Decodable, Sendable {
        public var completionTokens: Int?

        enum CodingKeys: String, CodingKey { case completionTokens = "completion_tokens" }
    }

    public var choices: [Choice]
    public var usage: Usage?
}

/// One generated token and its natural-log probability.
public struct TokenLogprob: Codable, Sendable, Equatable {
    public var token: String
    public var logprob: Double
    /// The token's UTF-8 bytes: a token may be part of a character, so the text is rebuilt from these when present.
    public var bytes: [UInt8]?

    public init(token: String, logprob: Double, bytes: [UInt8]?) {
        self.token = token
        self.logprob = logprob
        self.bytes = bytes
    }
}

/// What the health check reads of `GET /v1/models`: the served model ids, and vLLM's
/// `max_model_len`, which sizes the token-budget retry. `object`, `created`, `owned_by`,
/// `root`, `parent` and `permission` are ignored: servers and releases differ in them.
public struct ServedModels: Decodable, Sendable {
    public struct Model: Decodable, Sendable {
        public var id: String
        public var maxModelLen: Int?

        enum CodingKeys: String, CodingKey {
            case id
            case maxModelLen = "max_model_len"
        }
    }

    public var data: [Model]
}

/// The message of vLLM's error body: `{"error": {"message", …}}` in current releases, the
/// same fields at the top level in older ones.
public struct VLLMErrorMessage: Decodable, Sendable {
    public var message: String

    public init(from decoder: any Decoder) throws {
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
public enum AnswerProblem {
    public static func describe(_ error: any Error, body: String) -> String {
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
    public static func snippet(_ body: String, limit: Int = 200) -> String {
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
