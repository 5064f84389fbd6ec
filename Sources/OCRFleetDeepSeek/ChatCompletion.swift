/// The parts of vLLM's OpenAI-compatible chat API the engine uses
/// (`POST /v1/chat/completions`, `GET /v1/models`), with vLLM's extensions
/// `skip_special_tokens` and `vllm_xargs`.
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

public struct ChatCompletionResponse: Codable, Sendable {
    public struct Choice: Codable, Sendable {
        public var index: Int
        public var message: AssistantMessage
        public var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case index, message
            case finishReason = "finish_reason"
        }

        public init(index: Int, message: AssistantMessage, finishReason: String?) {
            self.index = index
            self.message = message
            self.finishReason = finishReason
        }
    }

    public struct AssistantMessage: Codable, Sendable {
        public var role: String
        public var content: String?

        public init(role: String = "assistant", content: String?) {
            self.role = role
            self.content = content
        }
    }

    public struct Usage: Codable, Sendable {
        public var promptTokens: Int
        public var completionTokens: Int
        public var totalTokens: Int

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case totalTokens = "total_tokens"
        }

        public init(promptTokens: Int, completionTokens: Int) {
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
            totalTokens = promptTokens + completionTokens
        }
    }

    public var id: String
    public var object: String
    public var created: Int
    public var model: String
    public var choices: [Choice]
    public var usage: Usage?

    public init(id: String, created: Int, model: String, choices: [Choice], usage: Usage?) {
        self.id = id
        object = "chat.completion"
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }
}

/// `GET /v1/models`.
public struct ModelList: Codable, Sendable {
    public struct Model: Codable, Sendable {
        public var id: String
        public var object: String
        public var created: Int
        public var ownedBy: String
        public var root: String?
        public var maxModelLen: Int?

        enum CodingKeys: String, CodingKey {
            case id, object, created, root
            case ownedBy = "owned_by"
            case maxModelLen = "max_model_len"
        }

        public init(id: String, created: Int, maxModelLen: Int?) {
            self.id = id
            object = "model"
            self.created = created
            ownedBy = "vllm"
            root = id
            self.maxModelLen = maxModelLen
        }
    }

    public var object: String
    public var data: [Model]

    public init(data: [Model]) {
        object = "list"
        self.data = data
    }
}

/// vLLM's error body: `{"error": {"message", "type", "param", "code"}}` in current
/// releases, the same fields at the top level in older ones.
public struct VLLMErrorBody: Codable, Sendable {
    public struct Info: Codable, Sendable {
        public var message: String
        public var type: String
        public var param: String?
        public var code: Int

        public init(message: String, type: String, param: String?, code: Int) {
            self.message = message
            self.type = type
            self.param = param
            self.code = code
        }
    }

    public var error: Info

    public init(message: String, type: String, param: String? = nil, code: Int) {
        error = Info(message: message, type: type, param: param, code: code)
    }

    public init(from decoder: any Decoder) throws {
        enum Keys: String, CodingKey { case error }
        let container = try decoder.container(keyedBy: Keys.self)
        if let nested = try? container.decode(Info.self, forKey: .error) {
            error = nested
        } else {
            error = try Info(from: decoder)
        }
    }
}
