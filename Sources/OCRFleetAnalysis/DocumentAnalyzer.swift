import Foundation
import Logging
import OCRFleetChatAPI
import OCRFleetLanguageModel
import OCRFleetModel

/// The stages after recognition that read a document with an instruction model: `classify`
/// (a label per page and for the document), `sections` (the table of contents from the page
/// labels) and `extract` (a schema's values with citations and confidences), as
/// docs/extraction.md describes them. A stage's failure is in its result's `error`; the only
/// thing thrown is `CancellationError`, when the calling task is cancelled.
public struct DocumentAnalyzer: Sendable {
    /// Tokens the prompt's chat template and a re-ask's correction may add to what is counted.
    static let promptMargin = 256
    /// Fewer tokens than this left for a document's text in one request is a context too small to use.
    static let minimumTextTokens = 64

    public let model: LanguageModelClient
    /// The model's context length (vLLM's `max_model_len`): prompt and answer together.
    public let contextTokens: Int
    let logger: Logger

    public init(model: LanguageModelClient, contextTokens: Int = 32768, logger: Logger) {
        self.model = model
        self.contextTokens = contextTokens
        self.logger = logger
    }

    /// Requests started at once: the client's in-flight ceiling, whose adaptive limit then
    /// decides how many are out.
    var width: Int { max(1, model.configuration.maxInflight) }

    /// Tokens left for the document's text in one request: the context less twice the answer's
    /// budget (a re-ask sends the first answer back, and an answer cut off at its budget is
    /// the likeliest to need one), the prompt around the text and `promptMargin`.
    func textBudget(
        schema: JSONSchema,
        instructions: String?,
        purpose: ExtractionPrompt.Purpose,
        corrections: [CorrectionExample] = []
    ) -> Int {
        let bare = ExtractionPrompt(document: "", schema: schema, instructions: instructions, purpose: purpose, corrections: corrections)
        // The random nonce is counted as if all digits, so the budget is the same for every prompt.
        let nonce = String(bare.boundary.dropFirst("document-".count))
        let worstNonce = String(repeating: "0", count: nonce.utf8.count)
        let promptTokens = bare.messages.flatMap(\.content).reduce(0) { total, part in
            if case .text(let text) = part {
                return total + TokenEstimate.count(text.replacingOccurrences(of: nonce, with: worstNonce))
            }
            return total
        }
        return contextTokens - 2 * model.configuration.maxTokens - promptTokens - Self.promptMargin
    }

    func contextTooSmall(_ budget: Int) -> StageError {
        StageError(
            code: .engineUnavailable,
            message: "the model's context of \(contextTokens) tokens leaves \(budget) for the document's text once the "
                + "answer (twice \(model.configuration.maxTokens), for a re-ask) and the prompt are counted; at least \(Self.minimumTextTokens) are needed"
        )
    }
}
