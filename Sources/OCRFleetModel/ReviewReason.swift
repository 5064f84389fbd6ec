/// Why a field or page went to a person.
public enum ReviewReason: String, Codable, CodingKeyRepresentable, Sendable, CaseIterable {
    /// A filled field whose confidence is under its threshold.
    case lowConfidence = "low_confidence"
    /// The extraction failed schema validation there, or a required field is null.
    case validationFailed = "validation_failed"
    /// An anomaly rule fired (the item's `rule`).
    case anomaly
    /// A confident field drawn by `sample_rate` for calibration.
    case sampled
    /// A page whose engine confidence is under `page_threshold`.
    case lowConfidencePage = "low_confidence_page"
}
