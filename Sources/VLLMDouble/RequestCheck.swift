import Foundation
import Hummingbird
import NIOCore
import OCRFleetChatAPI
import OCRFleetDeepSeek
import OCRFleetDocuments

/// A chat completion request that passed the checks vLLM makes.
struct CheckedRequest {
    var image: [UInt8]
    var width: Int
    var height: Int
    var promptTokens: Int
    var grounding: Bool
}

struct Rejection: Error {
    var response: Response
}

extension VLLMDouble {
    /// The checks vLLM makes before it schedules a DeepSeek-OCR request, answered with its
    /// status codes and messages. One is stricter: a request with no image is refused, as
    /// it can only be a client bug for an OCR model.
    static func check(
        _ request: ChatCompletionRequest,
        body: ByteBuffer,
        behaviour: Behaviour
    )
        -> Result<CheckedRequest, Rejection>
    {
        func reject(
            _ message: String,
            status: HTTPResponse.Status = .badRequest,
            type: String = "BadRequestError",
            param: String? = nil
        )
            -> Result<CheckedRequest, Rejection>
        {
            .failure(Rejection(response: error(status: status, message: message, type: type, param: param)))
        }
        guard request.model == behaviour.servedModel else {
            return reject("The model `\(request.model)` does not exist.", status: .notFound, type: "NotFoundError", param: "model")
        }
        guard !request.messages.isEmpty else { return reject("messages must not be empty", param: "messages") }
        if let temperature = request.temperature, temperature < 0 {
            return reject("temperature must be non-negative, got \(temperature).", param: "temperature")
        }
        if let xargs = request.vllmXargs {
            for (key, value) in xargs {
                switch (key, value) {
                case (_, .ints) where behaviour.legacyExtraArguments:
                    return reject(
                        "1 validation error for ChatCompletionRequest\nvllm_xargs.\(key)\n  Input should be a valid string, integer or number",
                        param: "vllm_xargs"
                    )
                case ("ngram_size", .int(let size)) where size <= 0:
                    return reject("`ngram_size` has to be a strictly positive integer, got \(size).")
                case ("window_size", .int(let size)) where size <= 0:
                    return reject("`window_size` has to be a strictly positive integer, got \(size).")
                case ("whitelist_token_ids", .int(let id)):
                    return reject("`whitelist_token_ids` has to be a sequence of integers, got \(id).")
                default:
                    break
                }
            }
        }

        var images: [String] = []
        var text = ""
        for message in request.messages {
            for part in message.content {
                switch part {
                case .imageURL(let url): images.append(url)
                case .text(let value): text += value
                }
            }
        }
        guard let imageURL = images.first else {
            return reject("DeepSeek-OCR needs an image: the request has no image_url content part", param: "messages")
        }
        guard images.count == 1 else { return reject("the double answers one image per request, got \(images.count)") }
        if text.contains("<image>") {
            // The chat template already places one <image> per image part.
            return reject("Attempted to assign 2 = 2 multimodal tokens to 1 placeholders")
        }
        guard imageURL.hasPrefix("data:") else {
            return reject("the vLLM double does not fetch remote images; send a data: URL")
        }
        guard let comma = imageURL.firstIndex(of: ","),
            imageURL[..<comma].hasSuffix(";base64"),
            let data = Data(base64Encoded: String(imageURL[imageURL.index(after: comma)...]))
        else {
            return reject("Failed to load image: the data URL is not base64 image data")
        }
        let bytes = [UInt8](data)
        guard let size = EncodedPage.dimensions(of: bytes) else {
            return reject("Failed to load image: cannot identify image file")
        }
        let promptTokens = ImageTokens.count(width: size.width, height: size.height) + tokens(text) + 1
        if let problem = tokenBudgetProblem(request.maxTokens, promptTokens: promptTokens, behaviour: behaviour) {
            return reject(problem, param: "max_tokens")
        }
        return .success(
            CheckedRequest(
                image: bytes,
                width: size.width,
                height: size.height,
                promptTokens: promptTokens,
                grounding: text.contains("<|grounding|>")
            )
        )
    }

    /// vLLM's refusal of a `max_tokens` under 1 or over what the context leaves after the prompt.
    static func tokenBudgetProblem(_ maxTokens: Int?, promptTokens: Int, behaviour: Behaviour) -> String? {
        guard let maxTokens else { return nil }
        guard maxTokens >= 1 else { return "max_tokens must be at least 1, got \(maxTokens)." }
        guard maxTokens <= behaviour.maxModelLength - promptTokens else {
            return
                "'max_tokens' or 'max_completion_tokens' is too large: \(maxTokens). This model's maximum context length is \(behaviour.maxModelLength) tokens and your request has \(promptTokens) input tokens (\(maxTokens) > \(behaviour.maxModelLength) - \(promptTokens))."
        }
        return nil
    }
}
