import OCRFleetEngines
import OCRFleetModel

/// The document's pages to markdown, by the text layer, the office XML or the engine,
/// with `progress` published as pages are done.
struct RecognizeStage: JobStage {
    let recognizer: PageRecognizer
    let clock: FleetClock

    var name: String { "recognize" }

    func run(_ work: inout JobWork) async throws {
        let document = try work.needs(\.document, from: "convert")
        let (job, indexes, logger) = (work.job, work.indexes, work.logger)
        let progress = ProgressThrottle(total: indexes.count, reporter: work.reporter, clock: clock, logger: logger)
        work.progress = progress
        switch document {
        case .paged(let paged):
            work.outcome = try await recognizer.run(
                paged,
                indexes: indexes,
                mode: job.options.mode,
                engine: work.engine,
                request: work.request,
                policy: job.options.onPageError,
                headersFooters: job.options.headersFooters,
                logger: logger,
                progress: { done in await progress.pagesDone(done) }
            )
        case .office(let content):
            work.outcome = try await recognizer.run(
                content,
                indexes: indexes,
                engine: work.engine,
                request: work.request,
                policy: job.options.onPageError,
                logger: logger,
                progress: { done in await progress.pagesDone(done) }
            )
        }
        // Its pages are read: an isolated document's child process and memory go now, not
        // after the upload; with review, after the review stage has cropped the pages it cites.
        if work.job.options.review == nil { work.document = nil }
    }
}
