import OCRFleetAnalysis
import OCRFleetModel

/// Cuts the document into sections of consecutive pages with the same label, the table of
/// contents of a bundle. No sections when classification failed.
struct SplitStage: JobStage {
    var name: String { "split" }
    var announcesStart: Bool { true }

    func applies(to work: JobWork) -> Bool { work.job.options.split != nil }

    func run(_ work: inout JobWork) async throws {
        guard let classification = work.analysis?.classification, classification.error == nil else {
            work.analysisDocument.sections = []
            return
        }
        let pages = work.analysisPages()
        work.analysisDocument.sections = DocumentAnalyzer.sections(pages, classification: classification)
    }
}
