import Logging
import OCRFleetLanguageModel
import OCRFleetModel

extension DocumentAnalyzer {
    /// The schema's values with a citation and a confidence per value.
    ///
    /// The pages' text goes in pieces that fit the context (`TextPieces`), each asked with
    /// `ExtractionPrompt`; the answers are merged in page order (`MergedValue.merged`), arrays
    /// over their `maxItems` cut, and the merged value validated against the schema again: a
    /// merged value that still fails is `model_invalid_output` with its violations. Each value
    /// that is not an object or array gets a citation, found in the pages of the piece it came
    /// from and then in any page, and a confidence (`ConfidenceParts`). A failure is in
    /// `error`, with `values` nil. `corrections` go into every piece's prompt as examples.
    public func extract(
        _ pages: [AnalysisPage],
        options: ExtractionOptions,
        schema: JSONSchema,
        corrections: [CorrectionExample] = []
    ) async throws -> FieldExtraction {
        let budget = textBudget(schema: schema, instructions: options.instructions, purpose: .extraction, corrections: corrections)
        guard budget >= Self.minimumTextTokens else {
            return FieldExtraction(values: nil, fields: [], requests: 0, pieces: 0, error: contextTooSmall(budget))
        }
        // A document without text is still asked once, for the nulls the schema allows.
        let split = TextPieces.split(pages, budget: budget)
        let pieces = split.isEmpty ? [TextPiece(pages: [], text: "")] : split
        var answers: [Int: ModelAnswer] = [:]
        var failure: LanguageModelError?
        var requests = 0
        let model = self.model
        let instructions = options.instructions
        await forEachBounded(Array(pieces.enumerated()), width: width) { index, piece -> (Int, Result<ModelAnswer, LanguageModelError>) in
            let prompt = ExtractionPrompt(document: piece.text, schema: schema, instructions: instructions, corrections: corrections)
            do throws(LanguageModelError) {
                return (index, .success(try await model.answer(prompt.messages, schema: schema)))
            } catch {
                return (index, .failure(error))
            }
        } collect: { index, outcome in
            switch outcome {
            case .success(let answer):
                requests += answer.attempts
                answers[index] = answer
                return true
            case .failure(let error):
                guard error.code != .cancelled else { return false }
                requests += error.code == .modelInvalidOutput ? 2 : 1
                if failure == nil { failure = error }
                return false
            }
        }
        if Task.isCancelled { throw CancellationError() }
        if let failure {
            logger.warning("extraction failed", metadata: ["error": "\(failure)", "pieces": "\(pieces.count)"])
            return FieldExtraction(values: nil, fields: [], requests: requests, pieces: pieces.count, error: StageError(failure))
        }
        let answered = pieces.indices.compactMap { answers[$0] }
        guard answered.count == pieces.count else {
            // Only a client shut down under the stage leaves a piece unanswered without a failure.
            let error = StageError(code: .engineUnavailable, message: "the language model client stopped before every piece was answered")
            return FieldExtraction(values: nil, fields: [], requests: requests, pieces: pieces.count, error: error)
        }
        var merged = MergedValue(answered[0], piece: 0)
        for index in 1..<pieces.count {
            let sharesPage = pieces[index - 1].pages.last == pieces[index].pages.first
            merged = merged.merged(with: MergedValue(answered[index], piece: index), repeatsOf: sharesPage ? index - 1 : nil)
        }
        merged = merged.cut(to: schema.root, in: schema)
        let values = merged.value
        let violations = schema.validate(values)
        guard violations.isEmpty else {
            return FieldExtraction(
                values: nil,
                fields: [],
                requests: requests,
                pieces: pieces.count,
                error: StageError(
                    code: .modelInvalidOutput,
                    message: "the answers of \(pieces.count) pieces merged are not valid against the schema: "
                        + violations.map(\.description).joined(separator: "; "),
                    violations: violations
                )
            )
        }
        let lowercased = pages.map { $0.markdown.lowercased() }
        var fields: [ExtractedField] = []
        for (pointer, value, origin) in merged.leaves() {
            // A value found on no page is looked for on every page: a large document must stay stoppable.
            await Task.yield()
            fields.append(
                try field(
                    pointer: pointer,
                    value: value,
                    answer: answered[origin.piece],
                    at: origin.pointer,
                    piece: pieces[origin.piece],
                    pages: pages,
                    lowercased: lowercased
                )
            )
        }
        return FieldExtraction(values: values, fields: fields, requests: requests, pieces: pieces.count)
    }

    func field(
        pointer: String,
        value: JSONValue,
        answer: ModelAnswer,
        at answerPointer: String,
        piece: TextPiece,
        pages: [AnalysisPage],
        lowercased: [String]
    ) throws
        -> ExtractedField
    {
        let modelConfidence = answer.confidence(at: answerPointer)
        let validation = answer.attempts == 1 ? 1 : Self.reaskedValidation
        var citation: Citation?
        var evidence: Double?
        switch value {
        case .string, .number:
            let query = CitationFinder.Query(value)
            let piecePages = Set(piece.pages)
            let order = piece.pages + pages.indices.filter { !piecePages.contains($0) }
            for index in order {
                if Task.isCancelled { throw CancellationError() }
                let page = pages[index]
                guard let range = query?.span(in: page.markdown, lowercased: lowercased[index]) else { continue }
                let text = String(page.markdown[range])
                let layout = SpanLayout(span: text, page: page)
                let start = page.markdown.unicodeScalars.distance(from: page.markdown.startIndex, to: range.lowerBound)
                citation = Citation(
                    page: page.number,
                    box: layout.box,
                    text: text,
                    markdownRange: [page.markdownOffset + start, page.markdownOffset + start + text.unicodeScalars.count]
                )
                evidence = layout.evidence(on: page)
                break
            }
            if citation == nil { evidence = Self.uncitedEvidence }
        default:
            // Null is no reading, and a boolean is not written as a span (a ticked box, "yes").
            evidence = nil
        }
        let parts = ConfidenceParts(model: modelConfidence, validation: validation, evidence: evidence)
        return ExtractedField(pointer: pointer, value: value, confidence: parts.combined, confidenceParts: parts, citation: citation)
    }

    static let reaskedValidation = 0.9
    static let uncitedEvidence = 0.5
}
