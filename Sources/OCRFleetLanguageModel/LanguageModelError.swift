import OCRFleetModel

/// Why a model gave no valid answer, with the contract's code: `model_invalid_output` when it
/// answered twice and neither answer was valid (the violations say which fields, by JSON
/// pointer), `engine_unavailable` when no server could be reached or one refused the request,
/// `engine_timeout` when the answer took longer than the request timeout, `cancelled` when the
/// caller stopped.
public struct LanguageModelError: Error, Sendable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    /// For `model_invalid_output`: what was wrong with the last answer, per field.
    public var violations: [SchemaViolation]

    public init(_ code: ErrorCode, _ message: String, violations: [SchemaViolation] = []) {
        self.code = code
        self.message = message
        self.violations = violations
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public var ocrError: OCRError { OCRError(code, message) }
}
