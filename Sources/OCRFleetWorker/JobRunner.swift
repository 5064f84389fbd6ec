import Crypto
import Foundation
import Instrumentation
import Logging
import NIOPosix
import OCRFleetAnalysis
import OCRFleetBus
import OCRFleetContent
import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetMetrics
import OCRFleetModel
import OCRFleetOffice
import OCRFleetTracing
import Tracing

/// Runs one delivery of a job message to its end: acked after the result is uploaded and
/// the job's end recorded and announced, NAKed with a delay for a transient failure,
/// dead-lettered and terminated for a permanent one or the last attempt. A job found ended
/// (a redelivery, an attempt beside another) is settled without work. Never throws: every
/// failure becomes an event, and bus trouble is waited out, never charged to the job.
struct JobRunner: Sendable {
    let configuration: WorkerConfiguration
    let nats: NATSConnection
    let states: JobStateStore
    let content: ContentClient
    let engines: EngineRouter
    let running: RunningJobs
    let recognizer: PageRecognizer
    let documents: DocumentOpener
    let converter: LibreOfficeConverter
    let retry: RetryPolicy
    let patience: BusPatience
    /// The classify and extract stages' model; nil when the worker has no `OCR_LLM_URL`.
    let analyzer: DocumentAnalyzer?
    /// Where the review stage stores items and the extract stage reads earlier corrections.
    let reviews: ReviewStore
    /// The result cache, for the tenants that opted in.
    let reuse: ResultReuse
    let logger: Logger

    /// One span per attempt (`ocr.job`), continuing the trace the job carries, with a
    /// span per stage and per page at the engine beneath it.
    func process(_ message: JetStreamMessage) async {
        let parent = InstrumentationContext.continuing(
            JobEvent.salvageTraceparent(body: message.payload, headers: message.headers)
        )
        await FleetMetrics.jobInFlight {
            await withSpan("ocr.job", context: parent, ofKind: .consumer) { span in
                span.attributes["ocr.job_id"] = JobEvent.salvageJobID(body: message.payload) ?? "unknown"
                span.attributes["ocr.attempt"] = message.delivery.numDelivered
                await settle(message)
            }
        }
    }

    private func settle(_ message: JetStreamMessage) async {
        let began = ContinuousClock.now
        let attempt = message.delivery.numDelivered
        let jobID =
            JobEvent.salvageJobID(body: message.payload) ?? "unknown-\(message.delivery.streamSequence)"
        var logger = self.logger
        logger[metadataKey: "job_id"] = "\(jobID)"
        logger[metadataKey: "attempt"] = "\(attempt)"
        let reporter = LifecycleReporter(
            nats: nats,
            states: states,
            workerName: configuration.workerName,
            jobID: jobID,
            attempt: attempt,
            patience: patience,
            faults: configuration.faults,
            logger: logger
        )
        let attemptEnd = AttemptEnd(message: message, reporter: reporter, logger: logger, began: began)
        let heartbeat = Heartbeat(message, every: configuration.ackWait / 3, clock: configuration.clock)
        defer { heartbeat.stop() }

        let event: JobEvent
        do {
            event = try JobEvent.parse(body: message.payload, headers: message.headers)
        } catch {
            await fail(attemptEnd, error: OCRError(error))
            return
        }
        let job = event.data
        do {
            if let known = try await reporter.load(), known.state.isTerminal {
                // Both times are the server's: when it stored the end, and when it stored this message.
                if known.state == .failed, let ended = await reporter.storedAt, message.delivery.timestamp > ended {
                    // Published again after it failed for good: a new run, not a redelivery.
                    logger.info("job submitted again after it failed; run afresh")
                    try await reporter.reopen()
                } else {
                    logger.info("job already \(known.state.rawValue); settled without work")
                    await finishEnded(attemptEnd, known)
                    return
                }
            }
            if try await patience.run("read the job's cancel request", logger: logger, { try await states.isCancelRequested(job.jobID) }) {
                logger.info("job cancelled before it started")
                await end(attemptEnd, .cancelled)
                return
            }
        } catch {
            // The bus stayed away past patience: the job is redelivered once the ack wait passes.
            logger.error("cannot read the job's state; left for redelivery", metadata: ["error": "\(error)"])
            return
        }
        // Only a job still to run is handed on: one already ended or cancelled is settled here.
        if await handedToGPU(message, event, logger: logger) { return }

        let timeLimit = configuration.timeLimit(of: job)
        // Past its limit and the grace for stopping it, an attempt is wedged: its heartbeat
        // stops, so the job goes to another worker, while /healthz reports this one.
        heartbeat.beat(until: configuration.clock.now + timeLimit + configuration.wedgedGrace)
        let (result, stopped) = await running.run(job.jobID, timeLimit: timeLimit) { [logger] in
            try await run(job, subject: message.subject, attempt: attempt, reporter: reporter, logger: logger)
        }
        heartbeat.beat(until: nil)
        switch (result, stopped) {
        case (.success(let completion), _):
            await end(attemptEnd, .completed(completion))
        case (.failure(let elsewhere as JobEndedElsewhere), _):
            logger.notice("another attempt ended the job first", metadata: ["state": "\(elsewhere.state.state.rawValue)"])
            await finishEnded(attemptEnd, elsewhere.state)
        case (.failure, .cancelRequested?):
            logger.info("job cancelled while running")
            await end(attemptEnd, .cancelled)
        case (.failure, .shutdown?):
            await handBack(attemptEnd)
        case (.failure, .timedOut?):
            await fail(attemptEnd, error: OCRError(.engineTimeout, "the job ran longer than its time limit of \(timeLimit)"))
        case (.failure(let error as NATSError), nil):
            // Not the job's fault: it goes back to the queue without a failure counted.
            logger.warning("bus trouble outlasted the attempt; job handed back", metadata: ["error": "\(error)"])
            try? await message.nak(delay: retry.base)
        case (.failure(let error), nil):
            await fail(attemptEnd, error: OCRError(error))
        }
    }

    /// The worker is shutting down: the job goes back to the queue at once, for another worker.
    private func handBack(_ attempt: AttemptEnd) async {
        attempt.logger.notice("shutting down: job handed back to the queue")
        _ = try? await attempt.reporter.updateState { $0.state = .retrying }
        try? await attempt.message.nak(delay: .zero)
    }

    /// The job's stages in order after the download (and the cache lookup it allows). A new
    /// stage is a file in `Stages/` and a line here.
    private var stages: StageSequence {
        StageSequence(stages: [
            OpenStage(configuration: configuration, converter: converter, documents: documents),
            StartedStage(),
            RecognizeStage(recognizer: recognizer, clock: configuration.clock),
            AssembleStage(normalizeNFKC: configuration.normalizeNFKC),
            ChunkStage(threads: recognizer.renderThreads),
            ClassifyStage(analyzer: analyzer),
            SplitStage(),
            ExtractStage(analyzer: analyzer, corrections: reviews),
            ReviewStage(store: reviews, crops: ReviewCrops(threads: recognizer.renderThreads)),
            UploadStage(content: content),
        ])
    }

    /// Runs the job up to its uploaded result and returns what its `completed` event says;
    /// recording and announcing the end is `end`'s.
    private func run(
        _ job: JobRequest,
        subject: String,
        attempt: Int,
        reporter: LifecycleReporter,
        logger: Logger
    ) async throws
        -> JobCompleted
    {
        let started = ContinuousClock.now
        let request = RecognitionRequest(
            languages: job.options.languages,
            prompt: job.options.prompt,
            resolution: job.options.resolution,
            pageTimeout: configuration.pageTimeout,
            maxPagePixels: configuration.limits.maxPagePixels
        )
        let engine = try engines.engine(for: job.options.engine)
        try engine.validate(request)

        let timeLimit = configuration.timeLimit(of: job)
        let directory = "\(configuration.workDirectory)/ocr-\(job.jobID)-\(attempt)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        // A URL the egress policy refuses fails the job before any of them is contacted.
        try await content.checkURLs(
            source: job.source.url,
            result: job.result.url,
            layout: job.result.layoutURL,
            chunks: job.result.chunksURL,
            extraction: job.result.extractionURL
        )
        // One line for what native code said about the document, however the attempt ends.
        let said = NativeMessageTally()
        defer { said.log(to: logger) }
        var work = JobWork(
            job: job,
            directory: directory,
            engine: engine,
            request: request,
            reporter: reporter,
            logger: logger,
            said: said,
            modelDeadline: ModelStageDeadline.instant(jobStarted: configuration.clock.now, timeLimit: timeLimit),
            timeLimit: timeLimit,
            clock: configuration.clock
        )
        try await StageSequence(stages: [DownloadStage(content: content)]).run(&work)
        let source = try work.needs(\.source, from: "download")
        let place = reuse.place(of: job, subject: subject, sourceSHA256: source.sha256, engine: engine.name)
        if let place, let hit = await reuse.lookup(place, logger: logger) {
            logger.info("results reused from the cache", metadata: ["cached_job_id": "\(hit.entry.jobID)"])
            return try await reuse.serve(hit, work: &work, began: started)
        }
        try await stages.run(&work)
        let completion = try completed(work, took: ContinuousClock.now - started)
        if let place { await reuse.keep(work, completion: completion, at: place) }
        return completion
    }

    /// The `completed` event of a job whose stages all ran, and the pages it counts in the metrics.
    private func completed(_ work: JobWork, took duration: Duration) throws -> JobCompleted {
        let outcome = try work.needs(\.outcome, from: "recognize")
        let (pages, engine, mode) = (work.indexes.count, work.engine.name, work.job.options.mode.rawValue)
        FleetMetrics.pages(pages - outcome.textPages, engine: engine, mode: mode)
        FleetMetrics.pages(outcome.textPages, engine: "text_layer", mode: mode)
        return JobCompleted(
            result: ResultSummary(
                url: Self.withoutQuery(work.job.result.url),
                bytes: work.markdown.count,
                sha256: SHA256.hash(data: work.markdown).hexString
            ),
            pages: pages,
            pagesFailed: outcome.failedPages,
            pagesIncomplete: outcome.incompletePages,
            engine: engine,
            durationMs: Int(duration.milliseconds),
            timingsMs: work.timings,
            usage: PageUsage(pagesOCR: pages - outcome.textPages, pagesText: outcome.textPages),
            layout: work.layout,
            pageConfidence: zip(work.pageNumbers, outcome.pages).compactMap { number, page in
                page.confidence.map { PageConfidence(page: number, confidence: $0) }
            },
            pagesLowConfidence: outcome.lowConfidencePages,
            chunks: chunksSummary(work),
            extraction: extractionSummary(work),
            review: work.review
        )
    }

    /// What the `completed` event says of the job's `chunks.jsonl`, when it has one.
    private func chunksSummary(_ work: JobWork) -> ChunksSummary? {
        guard let url = work.job.result.chunksURL, let chunks = work.chunks else { return nil }
        return ChunksSummary(
            url: Self.withoutQuery(url),
            bytes: chunks.lines.count,
            count: chunks.count,
            sha256: SHA256.hash(data: chunks.lines).hexString
        )
    }

    /// What the `completed` event says of the job's `extraction.json`, when it has one.
    private func extractionSummary(_ work: JobWork) -> ExtractionSummary? {
        guard let url = work.job.result.extractionURL, let json = work.extractionJSON, let analysis = work.analysis else {
            return nil
        }
        var summary = ExtractionSummary(url: Self.withoutQuery(url), bytes: json.count, sha256: SHA256.hash(data: json).hexString)
        if let classification = analysis.classification {
            summary.label = classification.label
            summary.labelConfidence = classification.confidence
            if let error = classification.error { summary.failed.append(FailedStage(stage: "classify", error)) }
        }
        summary.sections = analysis.sections?.count
        let extractions = [analysis.extraction].compactMap { $0 } + (analysis.sections ?? []).compactMap(\.extraction)
        if !extractions.isEmpty {
            summary.fieldsFilled = extractions.map(\.filled).reduce(0, +)
            summary.fieldsTotal = extractions.map(\.fields.count).reduce(0, +)
            summary.lowestConfidence = extractions.compactMap(\.lowestConfidence).min()
            if let error = extractions.lazy.compactMap(\.error).first { summary.failed.append(FailedStage(stage: "extract", error)) }
        }
        return summary
    }

    static func withoutQuery(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.query = nil
        components.fragment = nil
        return components.string ?? url
    }
}
