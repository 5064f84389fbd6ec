import Logging
import OCRFleetLanguageModel
import OCRFleetModel

extension DocumentAnalyzer {
    /// Each page labelled, and the document.
    ///
    /// One request per page with text, at most `width` started at once, asking for
    /// `{"label": …}` where the label is a `oneOf` of the labels as `const`s with their
    /// descriptions; the page's text is cut to what fits the context. A page's confidence is
    /// the model's for its label. A page without text is not asked: it takes the label of the
    /// page before it (of the first page with text after it, for leading empty pages) and no
    /// confidence. The document's label is the one with the largest sum of page confidences
    /// over the pages asked (a page counting 1 without log-probabilities), its confidence that
    /// sum over the pages asked. Any page's failure fails the whole classification: `error`
    /// says why, `label` is nil and `pages` holds the pages that were labelled.
    public func classify(_ pages: [AnalysisPage], options: ClassificationOptions) async throws -> DocumentClassification {
        let schema: JSONSchema
        do {
            schema = try Self.labelSchema(options)
        } catch {
            return DocumentClassification(label: nil, confidence: nil, pages: [], error: StageError(code: .invalidJob, message: error.description))
        }
        let budget = textBudget(schema: schema, instructions: nil, purpose: .classification)
        guard budget >= Self.minimumTextTokens else {
            return DocumentClassification(label: nil, confidence: nil, pages: [], error: contextTooSmall(budget))
        }
        let asked = pages.filter { !$0.markdown.allSatisfy(\.isWhitespace) }
        var labels: [Int: PageLabel] = [:]
        var failure: LanguageModelError?
        let model = self.model
        await forEachBounded(asked, width: width) { page -> Result<PageLabel, LanguageModelError> in
            let prompt = ExtractionPrompt(
                document: String(TokenEstimate.prefix(of: page.markdown, tokens: budget)),
                schema: schema,
                purpose: .classification
            )
            do throws(LanguageModelError) {
                let answer = try await model.answer(prompt.messages, schema: schema, name: "classification")
                guard case .object(let members) = answer.value, case .string(let label)? = members["label"] else {
                    return .failure(LanguageModelError(.modelInvalidOutput, "the answer has no label"))
                }
                return .success(PageLabel(page: page.number, label: label, confidence: answer.confidence(at: "/label")))
            } catch {
                return .failure(error)
            }
        } collect: { outcome in
            switch outcome {
            case .success(let label):
                labels[label.page] = label
                return true
            case .failure(let error):
                // Requests stopped because another page failed are not the failure.
                if failure == nil || failure?.code == .cancelled { failure = error }
                return false
            }
        }
        if Task.isCancelled { throw CancellationError() }
        if let failure {
            logger.warning("classification failed", metadata: ["error": "\(failure)"])
            let labelled = pages.compactMap { labels[$0.number] }
            return DocumentClassification(label: nil, confidence: nil, pages: labelled, error: StageError(failure))
        }
        return Self.classification(pages, labels: labels, options: options)
    }

    /// The answer's schema: `{"label": one of the labels}`, descriptions beside their names.
    static func labelSchema(_ options: ClassificationOptions) throws(SchemaError) -> JSONSchema {
        let choices: [JSONValue] = options.labels.map { label in
            var choice: [String: JSONValue] = ["const": .string(label.name)]
            if let description = label.description { choice["description"] = .string(description) }
            return .object(choice)
        }
        return try JSONSchema(
            .object([
                "type": .string("object"),
                "additionalProperties": .bool(false),
                "required": .array([.string("label")]),
                "properties": .object(["label": .object(["oneOf": .array(choices)])]),
            ])
        )
    }

    /// Every page's label (empty pages take their neighbour's) and the document's.
    static func classification(_ pages: [AnalysisPage], labels: [Int: PageLabel], options: ClassificationOptions) -> DocumentClassification {
        var result: [PageLabel] = []
        var previous: String?
        var leading: [Int] = []
        for page in pages {
            if let label = labels[page.number] {
                for number in leading { result.append(PageLabel(page: number, label: label.label, confidence: nil)) }
                leading = []
                result.append(label)
                previous = label.label
            } else if let previous {
                result.append(PageLabel(page: page.number, label: previous, confidence: nil))
            } else {
                leading.append(page.number)
            }
        }
        result.sort { $0.page < $1.page }
        guard !labels.isEmpty else { return DocumentClassification(label: nil, confidence: nil, pages: []) }
        var sums: [String: Double] = [:]
        for label in labels.values { sums[label.label, default: 0] += label.confidence ?? 1 }
        // Ties go to the label listed first.
        var best: (name: String, sum: Double)?
        for name in options.labels.map(\.name) {
            if let sum = sums[name], sum > (best?.sum ?? -1) { best = (name, sum) }
        }
        guard let best else { return DocumentClassification(label: nil, confidence: nil, pages: result) }
        return DocumentClassification(label: best.name, confidence: best.sum / Double(labels.count), pages: result)
    }
}
