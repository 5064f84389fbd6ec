import OCRFleetAnalysis
import OCRFleetModel

/// Extracts the job's schema from the recognised text with citations and confidences: once
/// for the document, or once per section with `options.split.extract_each` (when there are
/// sections). A model that is down or never answers validly leaves the values out with the
/// stage's error in `extraction.json`; the job's markdown still goes out.
struct ExtractStage: JobStage {
    let analyzer: DocumentAnalyzer?
    /// Sections extracted at once; the model client's own limit bounds the requests.
    static let sectionsAtOnce = 8

    var name: String { "extract" }

    func applies(to work: JobWork) -> Bool { work.job.options.extract != nil }

    func run(_ work: inout JobWork) async throws {
        guard let options = work.job.options.extract else { return }
        await work.progress?.stageStarted(name)
        let schema = try options.parsedSchema()
        let pages = work.analysisPages()
        guard let analyzer else {
            work.analysisDocument.extraction = FieldExtraction(
                values: nil,
                fields: [],
                requests: 0,
                pieces: 0,
                error: .noLanguageModel
            )
            return
        }
        guard work.job.options.split?.extractEach == true, let sections = work.analysis?.sections, !sections.isEmpty
        else {
            work.analysisDocument.extraction = try await analyzer.extract(pages, options: options, schema: schema)
            return
        }
        let extractions = try await withThrowingTaskGroup(of: (Int, FieldExtraction).self) { group in
            var extractions = [FieldExtraction?](repeating: nil, count: sections.count)
            for (index, section) in sections.enumerated() {
                if index >= Self.sectionsAtOnce, case let (done, extraction)? = try await group.next() {
                    extractions[done] = extraction
                }
                let sectionPages = pages.filter { (section.firstPage...section.lastPage).contains($0.number) }
                group.addTask { (index, try await analyzer.extract(sectionPages, options: options, schema: schema)) }
            }
            for try await (done, extraction) in group { extractions[done] = extraction }
            return extractions
        }
        for index in sections.indices {
            work.analysisDocument.sections?[index].extraction = extractions[index]
        }
    }
}
