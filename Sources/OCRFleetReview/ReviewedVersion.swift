import Foundation
import OCRFleetModel

/// A job's `extraction.json` with its decided items applied: corrected values, rejected ones
/// null, each decided field at confidence 1 with `reviewed` on it (docs/review.md#versions).
enum ReviewedVersion {
    static func apply(_ items: [ReviewItem], to document: ExtractionDocument) -> ExtractionDocument {
        var document = document
        for item in items where item.kind == .field {
            guard let pointer = item.pointer, let decision = item.decision else { continue }
            let value: JSONValue? =
                switch decision.action {
                case .confirm: nil
                case .correct: decision.value ?? .null
                case .reject: .null
                }
            let review = FieldReview(reviewer: decision.reviewer, action: decision.action, at: decision.at)
            if let section = item.section, document.sections?.indices.contains(section) == true {
                let extraction = document.sections![section].extraction ?? FieldExtraction(values: nil, fields: [], requests: 0, pieces: 0)
                document.sections![section].extraction = applying(value, review, item: item, pointer: pointer, to: extraction)
            } else {
                let extraction = document.extraction ?? FieldExtraction(values: nil, fields: [], requests: 0, pieces: 0)
                document.extraction = applying(value, review, item: item, pointer: pointer, to: extraction)
            }
        }
        return document
    }

    /// `value` nil: the extracted value stands.
    private static func applying(
        _ value: JSONValue?,
        _ review: FieldReview,
        item: ReviewItem,
        pointer: String,
        to extraction: FieldExtraction
    ) -> FieldExtraction {
        var extraction = extraction
        if let value { extraction.values = (extraction.values ?? .object([:])).setting(pointer, to: value) }
        if let index = extraction.fields.firstIndex(where: { $0.pointer == pointer }) {
            if let value { extraction.fields[index].value = value }
            extraction.fields[index].confidence = 1
            extraction.fields[index].reviewed = review
        } else {
            extraction.fields.append(
                ExtractedField(
                    pointer: pointer,
                    value: value ?? item.value,
                    confidence: 1,
                    confidenceParts: ConfidenceParts(model: nil, validation: 1, evidence: nil),
                    citation: item.citation,
                    reviewed: review
                )
            )
        }
        return extraction
    }
}
