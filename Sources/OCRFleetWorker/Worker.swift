import Foundation
import Logging
import NIOPosix
import OCRFleetBus
import OCRFleetContent
import OCRFleetEngines
import OCRFleetModel
import ServiceLifecycle

/// The worker service: pulls jobs from `ocr-workers` no faster than it has free slots and
/// runs each through `JobRunner`. On graceful shutdown it stops pulling, lets the jobs in
/// flight finish, and returns.
public struct Worker: Service {
    public let configuration: WorkerConfiguration
    let nats: NATSConnection
    let engine: any OCREngine
    let logger: Logger

    public init(configuration: WorkerConfiguration, nats: NATSConnection, engine: any OCREngine, logger: Logger) {
        self.configuration = configuration
        self.nats = nats
        self.engine = engine
        self.logger = logger
    }

    /// Picks the engine the configuration names. DeepSeek-OCR on vLLM is not built yet
    /// (issue 3), so `deepseek` is refused and `auto` means Tesseract.
    public static func makeEngine(_ configuration: WorkerConfiguration) throws -> any OCREngine {
        switch configuration.engine {
        case .auto, .tesseract:
            return try TesseractEngine(concurrency: min(configuration.maxInflightPages, ProcessInfo.processInfo.activeProcessorCount))
        case .deepseek:
            throw OCRError(.engineUnavailable, "the deepseek engine is not available in this build; use tesseract")
        }
    }

    public func run() async throws {
        let topology = FleetTopology(
            replicas: configuration.streamReplicas, maxDeliver: configuration.maxDeliver,
            ackWait: configuration.ackWait)
        try await topology.ensureAll(on: nats)
        let consumer = try await JobConsumer(connection: nats)
        let states = try await JobStateStore(connection: nats)
        let renderThreads = NIOThreadPool(numberOfThreads: configuration.maxJobs)
        renderThreads.start()
        defer { renderThreads.shutdownGracefully { _ in } }
        let content = ContentClient(limits: configuration.transfer)
        let runner = JobRunner(
            configuration: configuration, nats: nats, states: states, content: content, engine: engine,
            recognizer: PageRecognizer(
                engine: engine, renderThreads: renderThreads, dpi: configuration.dpi, limits: configuration.limits,
                maxInflight: configuration.maxInflightPages),
            retry: RetryPolicy(
                maxDeliver: configuration.maxDeliver, base: configuration.retryBase, cap: configuration.retryCap),
            logger: logger)
        let gate = CapacityGate(slots: configuration.maxJobs)
        logger.info(
            "worker ready",
            metadata: ["engine": "\(engine.name)", "max_jobs": "\(configuration.maxJobs)", "worker": "\(configuration.workerName)"])

        await withDiscardingTaskGroup { group in
            let jobs = consumer.messages(
                batchSize: { await gate.waitForFree() }, shouldStop: { Task.isShuttingDownGracefully })
            for await message in jobs {
                gate.take()
                group.addTask {
                    await runner.process(message)
                    gate.put()
                }
            }
            logger.info("stopped pulling; finishing jobs in flight")
        }
        try await content.shutdown()
        // Messages are settled and released by now, so the subscription can go.
        withExtendedLifetime(consumer) {}
    }
}
