import Logging
import OCRFleetAnalysis
import OCRFleetContent
import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetModel

/// One attempt at a job on its way through the stages: what every stage reads (the job, its
/// directory, engine, reporter and logger) and what each leaves for the ones after it.
struct JobWork {
    let job: JobRequest
    /// The attempt's own directory, removed when the attempt ends.
    let directory: String
    let engine: any OCREngine
    let request: RecognitionRequest
    let reporter: LifecycleReporter
    let logger: Logger
    /// What native code said about the document, logged once however the attempt ends.
    let said: NativeMessageTally
    /// When the model stages must have finished, so the markdown still goes out within the
    /// job's time limit (`ModelStageDeadline`).
    let modelDeadline: FleetClock.Instant
    let timeLimit: Duration
    let clock: FleetClock

    /// `download`'s: the source, in `directory`.
    var source: DownloadedFile?
    /// `convert`'s: the source's format, the document opened, and the 0-based pages the job
    /// asks for, in order.
    var format: DocumentFormat?
    var document: OpenedDocument?
    var indexes: [Int] = []
    /// `recognize`'s: the pages recognised, and what their progress reports found.
    var outcome: PageRecognizer.Outcome?
    var progress: ProgressThrottle?
    /// `assemble`'s: the pages as they go out, and the markdown made of them.
    var pages: [RecognizedPage] = []
    var markdown: [UInt8] = []
    /// `chunk`'s: `chunks.jsonl` and how many chunks it holds, when the job asks for chunks.
    var chunks: Chunks?
    /// `classify`'s, `split`'s and `extract`'s: `extraction.json`, when the job asks for any
    /// of them, and the pages as they read them.
    var analysis: ExtractionDocument?
    var analysisPagesMade: [AnalysisPage]?
    /// `review`'s: what `completed.review` says, when the job asks for review.
    var review: ReviewSummary?
    /// `upload`'s: `extraction.json` as uploaded.
    var extractionJSON: [UInt8]?
    /// `upload`'s: the layout sidecar's URL without its query, when one was written.
    var layout: String?
    /// Each timed stage's duration in milliseconds, by name (the sequence's).
    var timings: [String: Int] = [:]

    struct Chunks: Sendable {
        var lines: [UInt8]
        var count: Int
    }

    /// The 1-based numbers of the pages the job asks for.
    var pageNumbers: [Int] { indexes.map { $0 + 1 } }

    /// What an earlier stage left; missing, the stages are listed out of order, a mistake
    /// failed as `internal` rather than a trap.
    func needs<Value>(_ product: KeyPath<JobWork, Value?>, from stage: String) throws(OCRError) -> Value {
        guard let value = self[keyPath: product] else {
            throw OCRError(.internal, "a stage ran before the \(stage) stage it depends on")
        }
        return value
    }
}
