import Foundation
import Logging
import NIOPosix
import OCRFleetAnalysis
import OCRFleetBus
import OCRFleetContent
import OCRFleetDeepSeek
import OCRFleetEngines
import OCRFleetIsolation
import OCRFleetLanguageModel
import OCRFleetModel
import OCRFleetOffice
import ServiceLifecycle

/// The worker service: pulls jobs from the lanes' consumers (`JobLanes`: interactive first,
/// batch never starved, the GPU routes only while a vLLM server is healthy) no faster than
/// it has free slots, and runs each through `JobRunner`. On graceful shutdown it stops pulling, lets the jobs in
/// flight finish, and returns.
public struct Worker: Service {
    public let configuration: WorkerConfiguration
    let nats: NATSConnection
    let engines: EngineRouter
    let logger: Logger
    /// Whether it is pulling jobs, for the readiness probe.
    public let status = WorkerStatus()

    public init(configuration: WorkerConfiguration, nats: NATSConnection, engines: EngineRouter, logger: Logger) {
        self.configuration = configuration
        self.nats = nats
        self.engines = engines
        self.logger = logger
    }

    /// The probe and metrics server, when `OCR_PROBE_PORT` is set: run it beside the worker.
    public var probes: WorkerProbes? {
        guard configuration.probePort != nil else { return nil }
        return WorkerProbes(configuration: configuration, nats: nats, engines: engines, status: status, logger: logger)
    }

    public func run() async throws {
        let content = ContentClient(limits: configuration.transfer, policy: configuration.egress)
        let languageModel = configuration.languageModel.map { settings in
            var settings = settings
            settings.clock = configuration.clock
            return LanguageModelClient(configuration: settings, logger: logger)
        }
        do {
            try await serve(content, languageModel: languageModel)
        } catch {
            // HTTP clients must be shut down however the worker ends.
            try? await content.shutdown()
            try? await engines.deepseek?.shutdown()
            try? await languageModel?.shutdown()
            throw error
        }
        try await content.shutdown()
        try await engines.deepseek?.shutdown()
        try await languageModel?.shutdown()
    }

    private func serve(_ content: ContentClient, languageModel: LanguageModelClient?) async throws {
        let documentChild = DocumentChildOptions(
            memoryMegabytes: configuration.documentMemoryMegabytes,
            tessdata: engines.tesseract.dataPath,
            testFaults: configuration.childTestFaults
        )
        if configuration.documentIsolation == .process, let problem = await DocumentChild.check(documentChild) {
            throw WorkerStartError(
                "documents cannot be read in confined child processes here: \(problem) (install ocr-document-child "
                    + "beside ocr-worker; or, knowing a hostile page can then hang or crash the worker, set "
                    + "OCR_DOCUMENT_ISOLATION=off)"
            )
        }
        // A vLLM server that answers with another model is a configuration mistake: stop here.
        try await engines.deepseek?.start()
        let health = Task { [engines] in await engines.deepseek?.monitorHealth() }
        defer { health.cancel() }
        // So is an instruction model server that serves another model; one that is not up yet
        // is checked again, and meanwhile the classify and extract stages report it unavailable.
        try await languageModel?.start()
        let languageModelHealth = Task { await languageModel?.monitorHealth() }
        defer { languageModelHealth.cancel() }
        let retry = RetryPolicy(
            maxDeliver: configuration.maxDeliver,
            maxLost: configuration.maxLostAttempts,
            base: configuration.retryBase,
            cap: configuration.retryCap
        )
        let topology = FleetTopology(
            replicas: configuration.streamReplicas,
            maxDeliver: retry.consumerMaxDeliver,
            ackWait: configuration.ackWait
        )
        // A SIGTERM while the streams are still coming up ends the worker cleanly: no job was taken.
        let lanes: JobLanes
        let advisories: PullConsumer
        let states: JobStateStore
        let reviews: ReviewStore
        do {
            (lanes, advisories, states, reviews) = try await cancelWhenGracefulShutdown { [nats, logger] in
                try await FleetTopology.untilReady(logger: logger, clock: configuration.clock) {
                    try await topology.ensureAll(on: nats)
                    // The review items' streams and buckets, which the review stage stores into.
                    let reviews = try await ReviewStore.ensureTopology(on: nats, replicas: configuration.streamReplicas)
                    return (
                        try JobLanes(
                            connection: nats,
                            servesGPU: engines.deepseek != nil,
                            fairShare: .init(topology: topology, maxRunning: configuration.tenantMaxRunning)
                        ),
                        try await PullConsumer(connection: nats, binding: .advisories),
                        try await JobStateStore(connection: nats),
                        reviews
                    )
                }
            }
        } catch is CancellationError where Task.isShuttingDownGracefully {
            return
        }
        let renderThreads = NIOThreadPool(numberOfThreads: configuration.maxJobs)
        renderThreads.start()
        defer { renderThreads.shutdownGracefully { _ in } }
        let running = RunningJobs(clock: configuration.clock)
        status.setRunningJobs(running)
        defer { status.setRunningJobs(nil) }
        let cancelRequests = try CoreSubscription(connection: nats, subject: Subjects.cancelWildcard)
        let cancelListener = Task { [logger] in
            for await request in cancelRequests {
                let jobID = String(request.subject.split(separator: ".").last ?? "")
                if running.stop(jobID, .cancelRequested) {
                    logger.info("cancel request for a running job", metadata: ["job_id": "\(jobID)"])
                }
            }
        }
        defer {
            cancelRequests.cancel()
            cancelListener.cancel()
        }
        // After SIGTERM, jobs in flight get the grace period; then they go back to the queue.
        let graceTimer = Task { [configuration, logger] in
            try await gracefulShutdown()
            try await configuration.clock.sleep(for: configuration.shutdownGrace)
            if running.count > 0 {
                logger.notice("grace period over; handing jobs in flight back", metadata: ["jobs": "\(running.count)"])
            }
            running.stopAll(.shutdown)
        }
        defer { graceTimer.cancel() }
        let officeSandbox = await OfficeSandbox.probe(mode: configuration.officeSandbox)
        status.setOfficeSandbox(officeSandbox)
        if !officeSandbox.allowsConversion {
            logger.warning(
                "LibreOffice cannot be kept off the network here: office files that need it are refused",
                metadata: ["office_sandbox": "\(officeSandbox)"]
            )
        }
        let straightener = engines.straightener
        if configuration.straighten, straightener == nil {
            logger.warning("osd.traineddata not found: pages are not turned upright (apt-get install tesseract-ocr-osd)")
        }
        let runner = JobRunner(
            configuration: configuration,
            nats: nats,
            states: states,
            content: content,
            engines: engines,
            running: running,
            recognizer: PageRecognizer(
                renderThreads: renderThreads,
                limits: configuration.limits,
                maxInflight: configuration.maxInflightPages,
                straightener: straightener,
                lowConfidence: Double(configuration.lowConfidence)
            ),
            documents: DocumentOpener(
                isolation: configuration.documentIsolation,
                child: documentChild,
                limits: configuration.limits,
                threads: renderThreads
            ),
            converter: LibreOfficeConverter(
                timeLimit: configuration.conversionTimeout,
                executable: configuration.libreOffice,
                sandbox: officeSandbox
            ),
            retry: retry,
            patience: configuration.busPatience,
            analyzer: languageModel.map {
                DocumentAnalyzer(model: $0, contextTokens: configuration.languageModelContext, logger: logger)
            },
            reviews: reviews,
            reuse: ResultReuse(
                cache: ResultCache(connection: nats),
                tenants: configuration.cacheTenants,
                deepSeekModel: configuration.deepseek?.model,
                languageModel: configuration.languageModel?.model,
                content: content
            ),
            logger: logger
        )
        // Each advisory of a job the consumer gave up on goes to one worker, and stays in
        // OCR_ADVISORIES until one has handled it.
        let advisoryListener = Task { [logger] in
            for await advisory in advisories.messages(wait: .seconds(5), clock: configuration.clock, batchSize: { 1 }) {
                guard let notice = try? JSONDecoder().decode(MaxDeliveriesAdvisory.self, from: Data(advisory.payload))
                else {
                    logger.warning("an advisory that is not a max-deliveries one; dropped")
                    try? await advisory.ack()
                    continue
                }
                // Held while it is handled, however long bus trouble makes that.
                let heartbeat = Heartbeat(advisory, every: .seconds(20), clock: configuration.clock)
                defer { heartbeat.stop() }
                if await runner.endUndelivered(sequence: notice.streamSequence, deliveries: notice.deliveries) {
                    try? await advisory.ack()
                } else {
                    try? await advisory.nak(delay: .seconds(5))
                }
            }
        }
        defer { advisoryListener.cancel() }
        let gate = CapacityGate(slots: configuration.maxJobs)
        logger.info(
            "worker ready",
            metadata: [
                "engines": "\(engines.description)", "default_engine": "\(configuration.engine.rawValue)",
                "max_jobs": "\(configuration.maxJobs)", "worker": "\(configuration.workerName)",
                "office_sandbox": "\(officeSandbox)", "document_isolation": "\(configuration.documentIsolation.rawValue)",
            ]
        )

        status.setPulling(true)
        defer { status.setPulling(false) }
        await withDiscardingTaskGroup { group in
            let jobs = lanes.messages(
                interactiveWeight: configuration.interactiveWeight,
                clock: configuration.clock,
                gpuReady: { engines.deepseek?.isHealthy ?? false },
                batchSize: {
                    await waitForDefaultEngine(engines)
                    return await gate.waitForFree()
                },
                shouldStop: { Task.isShuttingDownGracefully }
            )
            for await message in jobs {
                gate.take()
                group.addTask {
                    await runner.process(message)
                    gate.put()
                }
            }
            status.setPulling(false)
            logger.info("stopped pulling; finishing jobs in flight")
        }
        // Messages are settled and released by now, so the subscription can go.
        withExtendedLifetime((lanes, advisories)) {}
    }
}

extension Worker {
    /// A worker whose jobs default to DeepSeek-OCR pulls none while no vLLM server is healthy
    /// (it is not ready then either): each job it took would fail for the worker's own want of
    /// an engine and spend the job's retries, and a restarted worker's first check may only
    /// have come too soon. The health checks mark the server healthy again.
    func waitForDefaultEngine(_ engines: EngineRouter) async {
        guard configuration.engine == .deepseek, let deepseek = engines.deepseek else { return }
        while !deepseek.isHealthy, !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await configuration.clock.sleep(for: .milliseconds(250))
        }
    }
}

/// JetStream's `io.nats.jetstream.advisory.v1.max_deliver`: a message the consumer will not
/// deliver again.
struct MaxDeliveriesAdvisory: Decodable {
    var streamSequence: UInt64
    var deliveries: Int

    enum CodingKeys: String, CodingKey {
        case streamSequence = "stream_seq"
        case deliveries
    }
}
