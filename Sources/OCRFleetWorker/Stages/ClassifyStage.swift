import OCRFleetAnalysis
import OCRFleetModel

/// Labels each page and the document with the job's `options.classify` labels, asking the
/// instruction model. A model that is down, never answers validly or outlasts the stage's
/// deadline leaves the labels out with the stage's error in `extraction.json`; the job's
/// markdown still goes out.
struct ClassifyStage: JobStage {
    let analyzer: DocumentAnalyzer?

    var name: String { "classify" }
    var announcesStart: Bool { true }

    func applies(to work: JobWork) -> Bool { work.job.options.classify != nil }

    func run(_ work: inout JobWork) async throws {
        guard let options = work.job.options.classify else { return }
        guard let analyzer else {
            work.analysisDocument.classification = Self.failed(.noLanguageModel)
            return
        }
        let pages = work.analysisPages()
        let classification = try await ModelStageDeadline.run(until: work.modelDeadline, clock: work.clock) {
            try await analyzer.classify(pages, options: options)
        }
        work.analysisDocument.classification =
            classification ?? Self.failed(ModelStageDeadline.timedOut(name, timeLimit: work.timeLimit))
    }

    static func failed(_ error: StageError) -> DocumentClassification {
        DocumentClassification(label: nil, confidence: nil, pages: [], error: error)
    }
}

extension StageError {
    /// The classify and extract stages of a worker without `OCR_LLM_URL`.
    static let noLanguageModel = StageError(
        code: .engineUnavailable,
        message: "this worker has no instruction model configured (OCR_LLM_URL)"
    )
}
