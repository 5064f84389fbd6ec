import Crypto
import Foundation
import Instrumentation
import Logging
import NIOPosix
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

        let job: JobRequest
        do {
            job = try JobEvent.parse(body: message.payload, headers: message.headers).data
        } catch {
            await fail(attemptEnd, error: OCRError(error))
            return
        }
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

        let timeLimit = configuration.timeLimit(of: job)
        // Past its limit and the grace for stopping it, an attempt is wedged: its heartbeat
        // stops, so the job goes to another worker, while /healthz reports this one.
        heartbeat.beat(until: configuration.clock.now + timeLimit + configuration.wedgedGrace)
        let (result, stopped) = await running.run(job.jobID, timeLimit: timeLimit) { [logger] in
            try await run(job, attempt: attempt, reporter: reporter, logger: logger)
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

    /// Runs the job up to its uploaded result and returns what its `completed` event says;
    /// recording and announcing the end is `end`'s.
    private func run(
        _ job: JobRequest,
        attempt: Int,
        reporter: LifecycleReporter,
        logger: Logger
    ) async throws
        -> JobCompleted
    {
        let started = ContinuousClock.now
        var timings: [String: Int] = [:]
        func lap(_ stage: String, since: ContinuousClock.Instant) {
            let elapsed = ContinuousClock.now - since
            timings[stage] = Int(elapsed.milliseconds)
            FleetMetrics.stage(stage, took: elapsed)
        }
        /// Runs one stage in its span and times it.
        func stage<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
            let started = ContinuousClock.now
            let value = try await withSpan(name) { _ in try await body() }
            lap(name, since: started)
            return value
        }
        let request = RecognitionRequest(
            languages: job.options.languages,
            prompt: job.options.prompt,
            resolution: job.options.resolution,
            pageTimeout: configuration.pageTimeout
        )
        let engine = try engines.engine(for: job.options.engine)
        try engine.validate(request)

        let directory = "\(configuration.workDirectory)/ocr-\(job.jobID)-\(attempt)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        // A URL the egress policy refuses fails the job before any of them is contacted.
        try await content.checkURLs(source: job.source.url, result: job.result.url, layout: job.result.layoutURL)
        let source = try await stage("download") {
            try await content.download(job.source.url, to: "\(directory)/source", expectedSHA256: job.source.sha256)
        }
        FleetMetrics.downloaded(bytes: source.bytes)
        logger.info("downloaded source", metadata: ["bytes": "\(source.bytes)"])

        // One line for what native code said about the document, however the attempt ends.
        let said = NativeMessageTally()
        defer { said.log(to: logger) }
        let (format, document, indexes) = try await stage("convert") {
            let format = try DocumentFormat.detect(fileAt: source.path, zipLimits: configuration.limits.zip)
            let document = try await open(
                source.path,
                format: format,
                job: job,
                directory: directory,
                timeLimit: configuration.timeLimit(of: job),
                said: said
            )
            let indexes = try job.options.pages?.indexes(pageCount: document.pageCount) ?? Array(0..<document.pageCount)
            return (format, document, indexes)
        }

        // The state first: a job another attempt has ended meanwhile stops here, unannounced.
        try await reporter.updateState { state in
            state.state = .running
            state.startedAt = Date()
            state.format = format.rawValue
            state.engine = engine.name
            state.pagesTotal = indexes.count
            state.pagesDone = 0
            state.error = nil
        }
        try await reporter.publish(.started(JobStarted(format: format.rawValue, pagesTotal: indexes.count, engine: engine.name)))

        let progress = ProgressThrottle(total: indexes.count, reporter: reporter, clock: configuration.clock, logger: logger)
        let outcome: PageRecognizer.Outcome = try await stage("recognize") {
            switch document {
            case .paged(let paged):
                try await recognizer.run(
                    paged,
                    indexes: indexes,
                    mode: job.options.mode,
                    engine: engine,
                    request: request,
                    policy: job.options.onPageError,
                    headersFooters: job.options.headersFooters,
                    logger: logger,
                    progress: { done in await progress.pagesDone(done) }
                )
            case .office(let content):
                try await recognizer.run(
                    content,
                    indexes: indexes,
                    engine: engine,
                    request: request,
                    policy: job.options.onPageError,
                    logger: logger,
                    progress: { done in await progress.pagesDone(done) }
                )
            }
        }

        // Another attempt ended the job while this one recognised it: no upload.
        if let ended = await progress.endedElsewhere { throw JobEndedElsewhere(state: ended) }
        let numbers = indexes.map { $0 + 1 }
        // Every path's pages (text layer, office XML, any engine) are folded here, once.
        let pages = configuration.normalizeNFKC ? outcome.pages.map(\.compatibilityFolded) : outcome.pages
        let markdown = MarkdownAssembler.assemble(pages: pages.map(\.markdown), numbers: numbers)
        let bytes = Array(markdown.utf8)
        let layoutLocation: String? = try await stage("upload") {
            try await content.upload(
                bytes,
                to: job.result.url,
                contentType: job.result.contentType ?? "text/markdown; charset=utf-8"
            )
            guard let layoutURL = job.result.layoutURL, pages.contains(where: { !$0.blocks.isEmpty }) else {
                return nil
            }
            let layout = PageLayout.document(pages: pages, numbers: numbers)
            try await content.upload(layout, to: layoutURL, contentType: "application/json", what: "layout")
            return Self.withoutQuery(layoutURL)
        }
        FleetMetrics.uploaded(bytes: bytes.count)
        FleetMetrics.pages(indexes.count - outcome.textPages, engine: engine.name, mode: job.options.mode.rawValue)
        FleetMetrics.pages(outcome.textPages, engine: "text_layer", mode: job.options.mode.rawValue)

        let total = ContinuousClock.now - started
        let summary = ResultSummary(
            url: Self.withoutQuery(job.result.url),
            bytes: bytes.count,
            sha256: SHA256.hash(data: bytes).hexString
        )
        let completed = JobCompleted(
            result: summary,
            pages: indexes.count,
            pagesFailed: outcome.failedPages,
            pagesIncomplete: outcome.incompletePages,
            engine: engine.name,
            durationMs: Int(total.milliseconds),
            timingsMs: timings,
            usage: PageUsage(pagesOCR: indexes.count - outcome.textPages, pagesText: outcome.textPages),
            layout: layoutLocation,
            pageConfidence: zip(numbers, outcome.pages).compactMap { number, page in
                page.confidence.map { PageConfidence(page: number, confidence: $0) }
            },
            pagesLowConfidence: outcome.lowConfidencePages
        )
        return completed
    }

    /// A job's document, ready for its pages: PDFs and images as they are, opened where
    /// `OCR_DOCUMENT_ISOLATION` says (a child process by default); DOCX, PPTX and XLSX read
    /// from their XML unless the job asks for OCR, as are XLS and ODS once LibreOffice has
    /// made them XLSX; other office files, and all of these in `ocr` mode, converted to PDF by
    /// LibreOffice.
    enum OpenedDocument {
        case paged(any DocumentPages)
        case office(OfficeContent)

        var pageCount: Int {
            switch self {
            case .paged(let paged): paged.pageCount
            case .office(let content): content.pages.count
            }
        }
    }

    private func open(
        _ path: String,
        format: DocumentFormat,
        job: JobRequest,
        directory: String,
        timeLimit: Duration,
        said: NativeMessageTally
    ) async throws(OCRError) -> OpenedDocument {
        let mode = job.options.mode
        let limits = configuration.limits
        var path = path
        var format = format
        if [.xls, .ods].contains(format), mode != .ocr {
            // Read as the XLSX LibreOffice makes of it: a PDF of a sheet cuts what overflows its cells.
            let conversion = try await converter.convert(path, format: format.office ?? .xlsx, to: .xlsx, in: directory)
            said.converted(conversion.messages)
            (path, format) = (conversion.output, .xlsx)
        }
        if [.docx, .pptx, .xlsx].contains(format), mode != .ocr {
            let archive = try ZipArchive(path: path, limits: limits.zip)
            let content =
                switch format {
                case .docx: try WordDocument(archive: archive).content(images: mode != .text)
                case .pptx: try PresentationDocument(archive: archive).content(images: mode != .text)
                default: try WorkbookDocument(archive: archive).content()
                }
            if content.pages.count > limits.maxPages {
                throw OCRError(
                    .sourceTooLarge,
                    "the document has \(content.pages.count) pages, over the \(limits.maxPages)-page limit"
                )
            }
            return .office(content)
        }
        if let office = format.office {
            let conversion = try await converter.convert(path, format: office, to: .pdf, in: directory)
            said.converted(conversion.messages)
            return .paged(
                try await documents.open(path: conversion.output, format: .pdf, password: nil, timeLimit: timeLimit, said: said)
            )
        }
        if mode == .text, format.isImage {
            throw OCRError(
                .invalidJob,
                "options.mode text reads the text of PDFs and office files; a \(format.rawValue) image has none (use hybrid or ocr)"
            )
        }
        return .paged(
            try await documents.open(
                path: path,
                format: format,
                password: job.options.password,
                timeLimit: timeLimit,
                said: said
            )
        )
    }

    static func withoutQuery(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.query = nil
        components.fragment = nil
        return components.string ?? url
    }
}

/// Publishes `progress` after the first page, then at most about once a second, and after
/// the last page. Progress may be lost: bus trouble is not waited out for it.
actor ProgressThrottle {
    let total: Int
    let reporter: LifecycleReporter
    let logger: Logger
    let clock: FleetClock
    private var lastSent: FleetClock.Instant?
    /// The end another attempt recorded, once a progress write found it.
    private(set) var endedElsewhere: JobState?

    init(total: Int, reporter: LifecycleReporter, clock: FleetClock, logger: Logger) {
        self.total = total
        self.reporter = reporter
        self.clock = clock
        self.logger = logger
    }

    func pagesDone(_ done: Int) async {
        let now = clock.now
        if let lastSent, done < total, now - lastSent < .seconds(1) { return }
        lastSent = now
        guard endedElsewhere == nil else { return }
        do {
            try await reporter.updateState(patient: false) { $0.pagesDone = done }
            try await reporter.publish(.progress(JobProgress(pagesDone: done, pagesTotal: total)), patient: false)
        } catch let elsewhere as JobEndedElsewhere {
            endedElsewhere = elsewhere.state
        } catch {
            logger.notice("cannot publish progress", metadata: ["error": "\(error)"])
        }
    }
}
