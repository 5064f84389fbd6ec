import OCRFleetAnalysis
import OCRFleetModel

/// Labels each page and the document with the job's `options.classify` labels, asking the
/// instruction model. A model that is down or never answers validly leaves the labels out
/// with the stage's error in `extraction.json`; the job's markdown still goes out.
struct ClassifyStage: JobStage {
    let analyzer: DocumentAnalyzer?

    var name: String { "classify" }

    func applies(to work: JobWork) -> Bool { work.job.options.classify != nil }

    func run(_ work: inout JobWork) async throws {
        guard let options = work.job.options.classify else { return }
        await work.progress?.stageStarted(name)
        guard let analyzer else {
            work.analysisDocument.classification = DocumentClassification(
                label: nil,
                confidence: nil,
                pages: [],
                error: .noLanguageModel
            )
            return
        }
        let pages = work.analysisPages()
        work.analysisDocument.classification = try await analyzer.classify(pages, options: options)
    }
}

extension StageError {
    /// The classify and extract stages of a worker without `OCR_LLM_URL`.
    static let noLanguageModel = StageError(
        code: .engineUnavailable,
        message: "this worker has no instruction model configured (OCR_LLM_URL)"
    )
}
