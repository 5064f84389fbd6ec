import OCRFleetLanguageModel
import OCRFleetModel

extension StageError {
    /// The stage's error for a model that gave no valid answer, violations by JSON pointer.
    init(_ error: LanguageModelError) {
        self.init(code: error.code, message: error.message, violations: error.violations.isEmpty ? nil : error.violations)
    }
}
