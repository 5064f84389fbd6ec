import Foundation
import OCRFleetChatAPI

// vLLM's answers as it serialises them (`vllm/entrypoints/openai/protocol.py`, pydantic's
// `model_dump()`): every field of its models, fields without a value written as `null`, not
// left out. The engine reads only a few of them; the double sends them all, so a client that
// leans on a field vLLM does not fill would fail here too.

/// `GET /v1/models`: vLLM's `ModelList` of one `ModelCard` per served model.
struct ModelList: Encodable {
    var object = "list"
    var data: [ModelCard]
}

struct ModelCard: Encodable {
    var id: String
    var object = "model"
    var created: Int
    var ownedBy = "vllm"
    /// The model's path or hub name; vLLM names the served model after it unless told otherwise.
    var root: String?
    var parent: String?
    var maxModelLen: Int?
    var permission: [ModelPermission]

    enum CodingKeys: String, CodingKey {
        case id, object, created, root, parent, permission
        case ownedBy = "owned_by"
        case maxModelLen = "max_model_len"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(object, forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(ownedBy, forKey: .ownedBy)
        try container.encode(root, forKey: .root)
        try container.encode(parent, forKey: .parent)
        try container.encode(maxModelLen, forKey: .maxModelLen)
        try container.encode(permission, forKey: .permission)
    }
}

/// The one default permission vLLM lists for each model.
struct ModelPermission: Encodable {
    var id = "modelperm-" + VLLMDouble.randomID()
    var object = "model_permission"
    var created: Int
    var allowCreateEngine = false
    var allowSampling = true
    var allowLogprobs = true
    var allowSearchIndices = false
    var allowView = true
    var allowFineTuning = false
    var organization = "*"
    var group: String?
    var isBlocking = false

    enum CodingKeys: String, CodingKey {
        case id, object, created, organization, group
        case allowCreateEngine = "allow_create_engine"
        case allowSampling = "allow_sampling"
        case allowLogprobs = "allow_logprobs"
        case allowSearchIndices = "allow_search_indices"
        case allowView = "allow_view"
        case allowFineTuning = "allow_fine_tuning"
        case isBlocking = "is_blocking"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(object, forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(allowCreateEngine, forKey: .allowCreateEngine)
        try container.encode(allowSampling, forKey: .allowSampling)
        try container.encode(allowLogprobs, forKey: .allowLogprobs)
        try container.encode(allowSearchIndices, forKey: .allowSearchIndices)
        try container.encode(allowView, forKey: .allowView)
        try container.encode(allowFineTuning, forKey: .allowFineTuning)
        try container.encode(organization, forKey: .organization)
        try container.encode(group, forKey: .group)
        try container.encode(isBlocking, forKey: .isBlocking)
    }
}

/// `POST /v1/chat/completions` without streaming: vLLM's `ChatCompletionResponse` with one choice.
struct ChatCompletion: Encodable {
    var id = "chatcmpl-" + VLLMDouble.randomID()
    var object = "chat.completion"
    var created: Int
    var model: String
    var content: String
    var finishReason: String
    var promptTokens: Int
    var completionTokens: Int
    /// The tokens' log-probabilities, when the request asked for them.
    var logprobs: [TokenLogprob]?

    enum Keys: String, CodingKey {
        case id, object, created, model, choices, usage, index, message, logprobs, role, content, refusal, annotations,
            audio, token, logprob, bytes
        case topLogprobs = "top_logprobs"
        case serviceTier = "service_tier"
        case systemFingerprint = "system_fingerprint"
        case promptLogprobs = "prompt_logprobs"
        case kvTransferParams = "kv_transfer_params"
        case finishReason = "finish_reason"
        case stopReason = "stop_reason"
        case functionCall = "function_call"
        case toolCalls = "tool_calls"
        case reasoningContent = "reasoning_content"
        case promptTokens = "prompt_tokens"
        case totalTokens = "total_tokens"
        case completionTokens = "completion_tokens"
        case promptTokensDetails = "prompt_tokens_details"
    }

    func encode(to encoder: any Encoder) throws {
        let none: String? = nil
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(id, forKey: .id)
        try container.encode(object, forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        var choices = container.nestedUnkeyedContainer(forKey: .choices)
        var choice = choices.nestedContainer(keyedBy: Keys.self)
        try choice.encode(0, forKey: .index)
        var message = choice.nestedContainer(keyedBy: Keys.self, forKey: .message)
        try message.encode("assistant", forKey: .role)
        try message.encode(content, forKey: .content)
        for key in [Keys.refusal, .annotations, .audio, .functionCall] { try message.encode(none, forKey: key) }
        try message.encode([String](), forKey: .toolCalls)
        try message.encode(none, forKey: .reasoningContent)
        if let logprobs {
            var content = choice.nestedContainer(keyedBy: Keys.self, forKey: .logprobs)
            var tokens = content.nestedUnkeyedContainer(forKey: .content)
            for token in logprobs {
                var entry = tokens.nestedContainer(keyedBy: Keys.self)
                try entry.encode(token.token, forKey: .token)
                try entry.encode(token.logprob, forKey: .logprob)
                try entry.encode(token.bytes, forKey: .bytes)
                try entry.encode([String](), forKey: .topLogprobs)
            }
        } else {
            try choice.encode(none, forKey: .logprobs)
        }
        try choice.encode(finishReason, forKey: .finishReason)
        try choice.encode(none, forKey: .stopReason)
        try container.encode(none, forKey: .serviceTier)
        try container.encode(none, forKey: .systemFingerprint)
        var usage = container.nestedContainer(keyedBy: Keys.self, forKey: .usage)
        try usage.encode(promptTokens, forKey: .promptTokens)
        try usage.encode(promptTokens + completionTokens, forKey: .totalTokens)
        try usage.encode(completionTokens, forKey: .completionTokens)
        try usage.encode(none, forKey: .promptTokensDetails)
        try container.encode(none, forKey: .promptLogprobs)
        try container.encode(none, forKey: .kvTransferParams)
    }
}

/// vLLM's error body: `{"error": {"message", "type", "param", "code"}}`.
struct ErrorBody: Encodable {
    struct Info: Encodable {
        var message: String
        var type: String
        var param: String?
        var code: Int

        func encode(to encoder: any Encoder) throws {
            enum Keys: String, CodingKey { case message, type, param, code }
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(message, forKey: .message)
            try container.encode(type, forKey: .type)
            try container.encode(param, forKey: .param)
            try container.encode(code, forKey: .code)
        }
    }

    var error: Info
}

extension VLLMDouble {
    /// vLLM's `random_uuid()`: a UUID4 as 32 hex digits.
    static func randomID() -> String {
        UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }
}
