import Foundation
import OCRFleetChatAPI
import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetModel
import OCRFleetTesting
import Testing
import VLLMDouble

@testable import OCRFleetDeepSeek

/// What the engine reads of vLLM's answers, and what it says when an answer is not what vLLM
/// sends; and that the double answers with every field vLLM's own models serialise.
@Suite(.serialized) struct VLLMAnswerTests {
    static let model = "deepseek-ai/DeepSeek-OCR"

    static func double(models status: Int, _ body: String) -> VLLMDouble.Behaviour {
        var behaviour = VLLMDouble.Behaviour()
        behaviour.recognizeText = false
        behaviour.modelsAnswer = (status, body)
        return behaviour
    }

    @Test(arguments: [
        #"{"data": [{"id": "deepseek-ai/DeepSeek-OCR"}]}"#,
        #"{"object": "list", "data": [{"id": "other"}, {"id": "deepseek-ai/DeepSeek-OCR", "max_model_len": null, "extra": {"x": 1}}]}"#,
    ])
    func aModelListWithOnlyIDsKeepsTheServerHealthy(body: String) async throws {
        try await withVLLMDouble(Self.double(models: 200, body)) { server in
            let engine = DeepSeekEngine(configuration: DeepSeekConfiguration(endpoints: [server.baseURL]))
            defer { Task { try await engine.shutdown() } }
            try await engine.start()
            await engine.servers.untilEveryServerIsHealthy()
            #expect(engine.isHealthy)
            let page = try await engine.recognize(page: try DeepSeekEngineTests.page(), request: RecognitionRequest())
            #expect(page.markdown.contains("A page of"))
        }
    }

    @Test(arguments: [
        (200, #"{"data": [{"name": "deepseek-ai/DeepSeek-OCR"}]}"#, "answered 200, but not a model list: `data[0].id` is missing"),
        (200, #"{"models": []}"#, "answered 200, but not a model list: `data` is missing"),
        (200, #"{"data": [{"id": null}]}"#, "answered 200, but not a model list: `data[0].id` is null"),
        (
            200, #"{"data": [{"id": "deepseek-ai/DeepSeek-OCR", "max_model_len": "8192"}]}"#,
            "answered 200, but not a model list: `data[0].max_model_len` is not a number"
        ),
        (200, #"{"data": {"id": "deepseek-ai/DeepSeek-OCR"}}"#, "answered 200, but not a model list: `data` is not a list"),
        (200, "<html><body>Welcome to nginx!</body></html>", "answered 200, but not a model list: the body is not JSON: <html><body>Welcome"),
        (401, #"{"error": "Unauthorized"}"#, #"answered 401: {"error": "Unauthorized"}"#),
        (502, "", "answered 502: (empty)"),
    ])
    func aModelListVLLMWouldNotSendNamesWhatIsWrong(status: Int, body: String, problem: String) async throws {
        try await withVLLMDouble(Self.double(models: status, body)) { server in
            let engine = DeepSeekEngine(configuration: DeepSeekConfiguration(endpoints: [server.baseURL]))
            defer { Task { try await engine.shutdown() } }
            try await engine.start()
            #expect(!engine.isHealthy)
            let error = await #expect(throws: OCRError.self) {
                try await engine.recognize(page: try DeepSeekEngineTests.page(), request: RecognitionRequest())
            }
            #expect(error?.code == .engineUnavailable)
            let message = try #require(error?.message)
            #expect(message.contains("GET \(server.baseURL)/models \(problem)"), "\(message)")
        }
    }

    @Test func aServerServingNoModelStopsStartUp() async throws {
        try await withVLLMDouble(Self.double(models: 200, #"{"object": "list", "data": []}"#)) { server in
            let engine = DeepSeekEngine(configuration: DeepSeekConfiguration(endpoints: [server.baseURL]))
            defer { Task { try await engine.shutdown() } }
            let error = await #expect(throws: OCRError.self) { try await engine.start() }
            #expect(error?.message.contains("serves no model, not '\(Self.model)' (OCR_VLLM_MODEL)") == true)
        }
    }

    @Test func aServerThatIsDownIsNamedWithTheRequestThatFailed() async throws {
        let url = try await withVLLMDouble { server in server.baseURL }
        let engine = DeepSeekEngine(configuration: DeepSeekConfiguration(endpoints: [url]))
        defer { Task { try await engine.shutdown() } }
        try await engine.start()
        let error = await #expect(throws: OCRError.self) {
            try await engine.recognize(page: try DeepSeekEngineTests.page(), request: RecognitionRequest())
        }
        let root = url.replacingOccurrences(of: "/v1", with: "")
        #expect(error?.message.contains("cannot reach \(root)/health: ") == true, "\(error?.message ?? "")")
    }

    static func keys(_ json: Any?) -> Set<String> {
        Set((json as? [String: Any])?.keys.map { $0 } ?? [])
    }

    /// The fields of vLLM's `ModelList`, `ModelCard` and `ModelPermission`, nulls included.
    @Test func theDoublesModelListHasVLLMsFields() async throws {
        try await withVLLMDouble { server in
            let (status, body) = try await server.exchange("GET", "/v1/models")
            #expect(status == 200)
            let list = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            #expect(Self.keys(list) == ["object", "data"])
            let card = try #require((list?["data"] as? [Any])?.first as? [String: Any])
            #expect(Self.keys(card) == ["id", "object", "created", "owned_by", "root", "parent", "max_model_len", "permission"])
            #expect(card["id"] as? String == Self.model && card["object"] as? String == "model")
            #expect(card["owned_by"] as? String == "vllm" && card["root"] as? String == Self.model)
            #expect(card["parent"] is NSNull && card["max_model_len"] as? Int == 8192)
            let permission = try #require((card["permission"] as? [Any])?.first)
            #expect(
                Self.keys(permission) == [
                    "id", "object", "created", "allow_create_engine", "allow_sampling", "allow_logprobs",
                    "allow_search_indices", "allow_view", "allow_fine_tuning", "organization", "group", "is_blocking",
                ]
            )
        }
    }

    /// The fields of vLLM's `ChatCompletionResponse`, its choice, message and usage, nulls included.
    @Test func theDoublesChatCompletionHasVLLMsFields() async throws {
        var behaviour = VLLMDouble.Behaviour()
        behaviour.recognizeText = false
        try await withVLLMDouble(behaviour) { server in
            let engine = DeepSeekEngine(configuration: DeepSeekConfiguration(endpoints: [server.baseURL]))
            defer { Task { try await engine.shutdown() } }
            let prepared = try engine.prepare(try DeepSeekEngineTests.page(), request: RecognitionRequest())
            let request = ChatCompletionRequest(
                model: Self.model,
                messages: [ChatMessage(role: "user", content: [.imageURL(prepared.dataURL), .text("Free OCR.")])],
                maxTokens: 100,
                temperature: 0,
                skipSpecialTokens: false,
                vllmXargs: nil
            )
            let (status, body) = try await server.exchange(
                "POST",
                "/v1/chat/completions",
                json: Array(try JSONEncoder().encode(request))
            )
            #expect(status == 200, "\(body)")
            let answer = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            #expect(
                Self.keys(answer) == [
                    "id", "object", "created", "model", "choices", "service_tier", "system_fingerprint", "usage",
                    "prompt_logprobs", "kv_transfer_params",
                ]
            )
            #expect((answer?["id"] as? String)?.hasPrefix("chatcmpl-") == true && answer?["object"] as? String == "chat.completion")
            let choice = try #require((answer?["choices"] as? [Any])?.first as? [String: Any])
            #expect(Self.keys(choice) == ["index", "message", "logprobs", "finish_reason", "stop_reason"])
            #expect(choice["finish_reason"] as? String == "stop" && choice["logprobs"] is NSNull)
            #expect(
                Self.keys(choice["message"]) == [
                    "role", "content", "refusal", "annotations", "audio", "function_call", "tool_calls", "reasoning_content",
                ]
            )
            #expect(Self.keys(answer?["usage"]) == ["prompt_tokens", "total_tokens", "completion_tokens", "prompt_tokens_details"])
        }
    }
}
