import Logging
import OCRFleetAnalysis
import OCRFleetBus
import OCRFleetLanguageModel
import OCRFleetModel

/// Extracts the job's schema from the recognised text with citations and confidences: once
/// for the document, or once per section with `options.split.extract_each` (when there are
/// sections). A model that is down, never answers validly or outlasts the stage's deadline
/// leaves the values out with the stage's error in `extraction.json`; the job's markdown still
/// goes out.
///
/// The learning loop: the newest corrections reviewers made for the job's tenant and label
/// (the document's with `classify`, each section's with `extract_each`, none without) go into
/// the prompt as examples (`CorrectionExample.chosen`). Corrections that cannot be read leave
/// the examples out, not the extraction.
struct ExtractStage: JobStage {
    let analyzer: DocumentAnalyzer?
    /// Where reviewers' corrections are read; nil: no examples.
    let corrections: ReviewStore?
    /// Corrections read per label, of which the most relevant are chosen.
    static let correctionsRead = 50
    /// Sections extracted at once; the model client's own limit bounds the requests.
    static let sectionsAtOnce = 8

    var name: String { "extract" }
    var announcesStart: Bool { true }

    func applies(to work: JobWork) -> Bool { work.job.options.extract != nil }

    func run(_ work: inout JobWork) async throws {
        guard let options = work.job.options.extract else { return }
        let schema = try options.parsedSchema()
        let pages = work.analysisPages()
        let sections = work.job.options.split?.extractEach == true ? work.analysis?.sections ?? [] : []
        guard let analyzer else {
            record(Self.failed(.noLanguageModel), sections: sections, in: &work)
            return
        }
        let timedOut = Self.failed(ModelStageDeadline.timedOut(name, timeLimit: work.timeLimit))
        guard !sections.isEmpty else {
            let examples = await self.examples(label: work.analysis?.classification?.label, schema: schema, work: work)
            let extraction = try await ModelStageDeadline.run(until: work.modelDeadline, clock: work.clock) {
                try await analyzer.extract(pages, options: options, schema: schema, corrections: examples)
            }
            work.analysisDocument.extraction = extraction ?? timedOut
            return
        }
        var examples: [String: [CorrectionExample]] = [:]
        for label in Set(sections.map(\.label)) {
            examples[label] = await self.examples(label: label, schema: schema, work: work)
        }
        let extractions = try await ModelStageDeadline.run(until: work.modelDeadline, clock: work.clock) { [examples] in
            try await Self.extract(sections, of: pages, with: analyzer, options: options, schema: schema, examples: examples)
        }
        record(extractions ?? sections.map { _ in timedOut }, sections: sections, in: &work)
    }

    /// Each section's values, at most `sectionsAtOnce` sections at a time.
    static func extract(
        _ sections: [DocumentSection],
        of pages: [AnalysisPage],
        with analyzer: DocumentAnalyzer,
        options: ExtractionOptions,
        schema: JSONSchema,
        examples: [String: [CorrectionExample]] = [:]
    ) async throws -> [FieldExtraction] {
        try await withThrowingTaskGroup(of: (Int, FieldExtraction).self) { group in
            var extractions = sections.map { _ in Self.failed(StageError(code: .internal, message: "not extracted")) }
            for (index, section) in sections.enumerated() {
                if index >= Self.sectionsAtOnce, case let (done, extraction)? = try await group.next() {
                    extractions[done] = extraction
                }
                let sectionPages = pages.filter { (section.firstPage...section.lastPage).contains($0.number) }
                let corrections = examples[section.label] ?? []
                group.addTask {
                    (index, try await analyzer.extract(sectionPages, options: options, schema: schema, corrections: corrections))
                }
            }
            for try await (done, extraction) in group { extractions[done] = extraction }
            return extractions
        }
    }

    /// The examples of earlier corrections for the job's tenant and `label`.
    private func examples(label: String?, schema: JSONSchema, work: JobWork) async -> [CorrectionExample] {
        guard let corrections else { return [] }
        let tenant = work.job.metadata?["tenant"] ?? "default"
        do {
            let recent = try await corrections.recentCorrections(tenant: tenant, label: label, limit: Self.correctionsRead)
            return CorrectionExample.chosen(from: recent, schema: schema)
        } catch {
            work.logger.warning("earlier corrections not read; extracting without them", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// `extractions` as the document's values, or as each section's with `extract_each`.
    private func record(_ extraction: FieldExtraction, sections: [DocumentSection], in work: inout JobWork) {
        record(sections.isEmpty ? [extraction] : sections.map { _ in extraction }, sections: sections, in: &work)
    }

    private func record(_ extractions: [FieldExtraction], sections: [DocumentSection], in work: inout JobWork) {
        guard !sections.isEmpty else {
            work.analysisDocument.extraction = extractions.first
            return
        }
        for index in sections.indices { work.analysisDocument.sections?[index].extraction = extractions[index] }
    }

    static func failed(_ error: StageError) -> FieldExtraction {
        FieldExtraction(values: nil, fields: [], requests: 0, pieces: 0, error: error)
    }
}
