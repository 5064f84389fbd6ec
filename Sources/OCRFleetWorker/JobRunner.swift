import Crypto
import Foundation
import Logging
import NIOPosix
import OCRFleetBus
import OCRFleetContent
import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetModel
import OCRFleetOffice
import OCRFleetTracing
import Instrumentation
import Tracing
import OCRFleetMetrics

/// Runs one delivery of a job message to its end: acked after the result is uploaded and
/// `completed` published, NAKed with a delay for a transient failure, dead-lettered and
/// terminated for a permanent one or the last attempt. Never throws: every failure becomes
/// an event.
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
    let logger: Logger

    /// One span per attempt (`ocr.job`), continuing the trace the job carries, with a
    /// span per stage and per page at the engine beneath it.
    func process(_ message: JetStreamMessage) async {
        let parent = InstrumentationContext.continuing(
            JobEvent.salvageTraceparent(body: message.payload, headers: message.headers))
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
            nats: nats, states: states, workerName: configuration.workerName, jobID: jobID, attempt: attempt,
            logger: logger)

        let keepAlive = Task {
            // In-progress acks every third of the ack wait keep a long job from redelivery.
            while !Task.isCancelled {
                try? await Task.sleep(for: configuration.ackWait / 3)
                if Task.isCancelled { break }
                try? message.inProgress()
            }
        }
        defer { keepAlive.cancel() }

        let job: JobRequest
        do {
            job = try JobEvent.parse(body: message.payload, headers: message.headers).data
            if let known = try await states.get(job.jobID) {
                if known.state == .completed || known.state == .cancelled {
                    logger.info("job already \(known.state.rawValue); acknowledged without work")
                    await acknowledge(message, logger: logger)
                    return
                }
                await reporter.remember(known)
            }
            if try await states.isCancelRequested(job.jobID) {
                logger.info("job cancelled before it started")
                await cancelled(message, reporter: reporter, logger: logger, began: began)
                return
            }
        } catch {
            await fail(message, error: OCRError(error), jobID: jobID, reporter: reporter, logger: logger, began: began)
            return
        }

        let timeLimit = configuration.timeLimit(of: job)
        let (result, stopped) = await running.run(job.jobID, timeLimit: timeLimit) { [logger] in
            try await run(job, attempt: attempt, reporter: reporter, logger: logger)
        }
        switch (result, stopped) {
        case (.success, _):
            await acknowledge(message, logger: logger)
            FleetMetrics.jobEnded(state: "completed", duration: .now - began)
        case (.failure, .cancelRequested?):
            logger.info("job cancelled while running")
            await cancelled(message, reporter: reporter, logger: logger, began: began)
        case (.failure, .shutdown?):
            await handBack(message, reporter: reporter, logger: logger)
        case (.failure, .timedOut?):
            let error = OCRError(.engineTimeout, "the job ran longer than its time limit of \(timeLimit)")
            await fail(message, error: error, jobID: jobID, reporter: reporter, logger: logger, began: began)
        case (.failure(let error), nil):
            await fail(message, error: OCRError(error), jobID: jobID, reporter: reporter, logger: logger, began: began)
        }
    }

    private func acknowledge(_ message: JetStreamMessage, logger: Logger) async {
        do {
            try await message.ack()
        } catch {
            // The job is done and recorded; its redelivery will be acked without work.
            logger.warning("cannot acknowledge a finished job", metadata: ["error": "\(error)"])
        }
    }

    /// Publishes `cancelled`, records it and removes the job from the queue.
    private func cancelled(
        _ message: JetStreamMessage, reporter: LifecycleReporter, logger: Logger, began: ContinuousClock.Instant
    ) async {
        FleetMetrics.jobEnded(state: "cancelled", duration: .now - began)
        do {
            try await reporter.publish(.cancelled)
            try await reporter.updateState { state in
                state.state = .cancelled
                state.finishedAt = Date()
            }
            await acknowledge(message, logger: logger)
        } catch {
            logger.error("cannot report the cancellation; job left for redelivery", metadata: ["error": "\(error)"])
            try? message.nak(delay: retry.delay(afterAttempt: message.delivery.numDelivered))
        }
    }

    /// The worker is shutting down: the job goes back to the queue at once, for another worker.
    private func handBack(_ message: JetStreamMessage, reporter: LifecycleReporter, logger: Logger) async {
        logger.notice("shutting down: job handed back to the queue")
        try? await reporter.updateState { $0.state = .retrying }
        try? message.nak(delay: .zero)
    }

    private func run(_ job: JobRequest, attempt: Int, reporter: LifecycleReporter, logger: Logger) async throws {
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
            languages: job.options.languages, prompt: job.options.prompt, resolution: job.options.resolution,
            pageTimeout: configuration.pageTimeout)
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

        let (format, document, indexes) = try await stage("convert") {
            let format = try DocumentFormat.detect(fileAt: source.path, zipLimits: configuration.limits.zip)
            let document = try await open(
                source.path, format: format, job: job, directory: directory, timeLimit: configuration.timeLimit(of: job))
            let indexes = try job.options.pages?.indexes(pageCount: document.pageCount) ?? Array(0..<document.pageCount)
            return (format, document, indexes)
        }

        try await reporter.publish(.started(JobStarted(format: format.rawValue, pagesTotal: indexes.count, engine: engine.name)))
        try await reporter.updateState { state in
            state.state = .running
            state.startedAt = Date()
            state.format = format.rawValue
            state.engine = engine.name
            state.pagesTotal = indexes.count
            state.pagesDone = 0
            state.error = nil
        }

        let progress = ProgressThrottle(total: indexes.count, reporter: reporter, logger: logger)
        let outcome: PageRecognizer.Outcome = try await stage("recognize") {
            switch document {
            case .paged(let paged):
                try await recognizer.run(
                    paged, indexes: indexes, mode: job.options.mode, engine: engine,
                    request: request, policy: job.options.onPageError, logger: logger,
                    progress: { done in await progress.pagesDone(done) })
            case .office(let content):
                try await recognizer.run(
                    content, indexes: indexes, engine: engine, request: request, policy: job.options.onPageError,
                    logger: logger, progress: { done in await progress.pagesDone(done) })
            }
        }

        let numbers = indexes.map { $0 + 1 }
        let markdown = MarkdownAssembler.assemble(pages: outcome.pages.map(\.markdown), numbers: numbers)
        let bytes = Array(markdown.utf8)
        let layoutLocation: String? = try await stage("upload") {
            try await content.upload(
                bytes, to: job.result.url, contentType: job.result.contentType ?? "text/markdown; charset=utf-8")
            guard let layoutURL = job.result.layoutURL, outcome.pages.contains(where: { !$0.blocks.isEmpty }) else {
                return nil
            }
            let layout = PageLayout.document(pages: outcome.pages, numbers: numbers)
            try await content.upload(layout, to: layoutURL, contentType: "application/json", what: "layout")
            return Self.withoutQuery(layoutURL)
        }
        FleetMetrics.uploaded(bytes: bytes.count)
        FleetMetrics.pages(indexes.count - outcome.textPages, engine: engine.name, mode: job.options.mode.rawValue)
        FleetMetrics.pages(outcome.textPages, engine: "text_layer", mode: job.options.mode.rawValue)

        let total = ContinuousClock.now - started
        let summary = ResultSummary(
            url: Self.withoutQuery(job.result.url), bytes: bytes.count, sha256: SHA256.hash(data: bytes).hexString)
        let completed = JobCompleted(
            result: summary, pages: indexes.count, pagesFailed: outcome.failedPages,
            pagesIncomplete: outcome.incompletePages, engine: engine.name, durationMs: Int(total.milliseconds),
            timingsMs: timings, usage: PageUsage(pagesOCR: indexes.count - outcome.textPages, pagesText: outcome.textPages), layout: layoutLocation)
        try await reporter.publish(.completed(completed))
        try await reporter.updateState { state in
            state.state = .completed
            state.finishedAt = Date()
            state.pagesDone = indexes.count
            state.result = summary
        }
        logger.info(
            "job completed",
            metadata: ["pages": "\(indexes.count)", "duration_ms": "\(completed.durationMs)"])
    }

    /// A job's document, ready for its pages: PDFs and images as they are, opened where
    /// `OCR_DOCUMENT_ISOLATION` says (a child process by default); DOCX, PPTX and XLSX read
    /// from their XML unless the job asks for OCR; other office files, and those three in
    /// `ocr` mode, converted to PDF by LibreOffice.
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
        _ path: String, format: DocumentFormat, job: JobRequest, directory: String, timeLimit: Duration
    ) async throws(OCRError) -> OpenedDocument
    {
        let mode = job.options.mode
        let limits = configuration.limits
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
                    .sourceTooLarge, "the document has \(content.pages.count) pages, over the \(limits.maxPages)-page limit")
            }
            return .office(content)
        }
        if let office = format.office {
            let pdf = try await converter.convertToPDF(path, format: office, in: directory)
            return .paged(try await documents.open(path: pdf, format: .pdf, password: nil, timeLimit: timeLimit))
        }
        if mode == .text, format.isImage {
            throw OCRError(
                .invalidJob,
                "options.mode text reads the text of PDFs and office files; a \(format.rawValue) image has none (use hybrid or ocr)")
        }
        return .paged(
            try await documents.open(path: path, format: format, password: job.options.password, timeLimit: timeLimit))
    }

    /// Publishes `failed`, then either NAKs for a retry or dead-letters and terminates.
    private func fail(
        _ message: JetStreamMessage, error: OCRError, jobID: String, reporter: LifecycleReporter, logger: Logger,
        began: ContinuousClock.Instant
    ) async {
        let attempt = message.delivery.numDelivered
        let willRetry = retry.willRetry(afterAttempt: attempt, retryable: error.code.isRetryable)
        if willRetry {
            FleetMetrics.attemptRetried(code: error.code.rawValue)
        } else {
            FleetMetrics.jobEnded(state: "failed", code: error.code.rawValue, duration: .now - began)
        }
        logger.warning("job attempt failed", metadata: ["error": "\(error)", "will_retry": "\(willRetry)"])
        do {
            try await reporter.publish(.failed(JobFailed(error: ErrorBody(error), willRetry: willRetry)))
            try await reporter.updateState { state in
                state.state = willRetry ? .retrying : .failed
                state.error = ErrorBody(error)
                if !willRetry { state.finishedAt = Date() }
            }
            if willRetry {
                try message.nak(delay: retry.delay(afterAttempt: attempt))
                return
            }
            // Dead letter first: on a work-queue stream Term deletes the job.
            try await publishDeadLetter(
                payload: message.payload, jobID: jobID, error: error, attempts: attempt,
                firstAttemptAt: message.delivery.timestamp, sequence: message.delivery.streamSequence, source: reporter.source)
            try message.term()
        } catch {
            // NATS is unreachable: leave the job to be redelivered rather than lose it.
            logger.error("cannot report the failure; job left for redelivery", metadata: ["error": "\(error)"])
            try? message.nak(delay: retry.delay(afterAttempt: attempt))
        }
    }

    /// Publishes the job's dead letter; `Nats-Msg-Id` = `dlq-<stream sequence>`, so a repeat
    /// (another worker, a retried publish) is stored once.
    private func publishDeadLetter(
        payload: [UInt8], jobID: String, error: OCRError, attempts: Int, firstAttemptAt: Date?, sequence: UInt64,
        source: String
    ) async throws {
        let letter = DeadLetter(
            originalPayload: payload, jobID: jobID.hasPrefix("unknown-") ? nil : jobID, error: error,
            attempts: attempts, firstAttemptAt: firstAttemptAt, lastAttemptAt: Date(), streamSequence: sequence)
        let event = CloudEvent(source: source, type: EventTypes.deadLettered, subject: letter.jobID, data: letter)
        try await nats.publish(
            Subjects.deadLetters, payload: try [UInt8](CloudEventCoding.encoder().encode(event)),
            headers: ["Content-Type": CloudEventCoding.contentType], messageID: "dlq-\(sequence)")
    }

    /// A job the consumer stopped delivering because its last attempt never ended (the worker
    /// was killed, or handed the job back at shutdown): JetStream keeps it in the work queue
    /// but will not deliver it again, so it is dead-lettered here, from its stream sequence,
    /// with `failed` and a `failed` state, then deleted from `OCR_JOBS`. Every worker hears
    /// the advisory; the dead letter's message id keeps it single.
    func deadLetterUndelivered(sequence: UInt64, deliveries: Int) async {
        let jobs = StoredMessages(connection: nats, stream: StreamNames.jobs)
        do {
            guard let message = try await jobs.message(at: sequence) else { return }
            let jobID = JobEvent.salvageJobID(body: message.payload) ?? "unknown-\(sequence)"
            var logger = self.logger
            logger[metadataKey: "job_id"] = "\(jobID)"
            let error = OCRError(
                .internal, "delivered \(deliveries) times without an attempt finishing (workers stopped or were killed mid-job)")
            logger.error("job dead-lettered after its deliveries ran out", metadata: ["error": "\(error)"])
            let reporter = LifecycleReporter(
                nats: nats, states: states, workerName: configuration.workerName, jobID: jobID, attempt: deliveries,
                logger: logger)
            try await publishDeadLetter(
                payload: message.payload, jobID: jobID, error: error, attempts: deliveries, firstAttemptAt: nil,
                sequence: sequence, source: reporter.source)
            try await reporter.publish(.failed(JobFailed(error: ErrorBody(error), willRetry: false)))
            try await reporter.updateState { state in
                state.state = .failed
                state.error = ErrorBody(error)
                state.finishedAt = Date()
            }
            try? await jobs.delete(sequence)
        } catch {
            logger.error(
                "cannot dead-letter an undeliverable job; it stays in OCR_JOBS",
                metadata: ["stream_sequence": "\(sequence)", "error": "\(error)"])
        }
    }

    static func withoutQuery(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.query = nil
        components.fragment = nil
        return components.string ?? url
    }
}

/// Publishes `progress` after the first page, then at most about once a second, and after
/// the last page.
actor ProgressThrottle {
    let total: Int
    let reporter: LifecycleReporter
    let logger: Logger
    private var lastSent: ContinuousClock.Instant?

    init(total: Int, reporter: LifecycleReporter, logger: Logger) {
        self.total = total
        self.reporter = reporter
        self.logger = logger
    }

    func pagesDone(_ done: Int) async {
        let now = ContinuousClock.now
        if let lastSent, done < total, now - lastSent < .seconds(1) { return }
        lastSent = now
        do {
            try await reporter.publish(.progress(JobProgress(pagesDone: done, pagesTotal: total)))
            try await reporter.updateState { $0.pagesDone = done }
        } catch {
            logger.warning("cannot publish progress", metadata: ["error": "\(error)"])
        }
    }
}
