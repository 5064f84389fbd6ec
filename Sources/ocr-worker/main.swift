import CProcessGuard
import Foundation
import Logging
import OCRFleetBus
import OCRFleetConfiguration
import OCRFleetEngines
import OCRFleetTracing
import OCRFleetWorker
import ServiceLifecycle
import UnixSignals

OpenMPThreadLimit.ensureSingleThreaded()
let configuration = ProcessSetup.configuration { () throws(SettingsError) in try WorkerConfiguration() }
ProcessSetup.bootstrapLogging(
    level: configuration.logLevel,
    format: configuration.logFormat,
    metadataProvider: configuration.tracing.map { _ in FleetTracing.loggingMetadataProvider }
)
let logger = Logger(label: "ocr-worker")
// LibreOffice runs as this process's user: it must not read the credentials in its memory
// or environment (/proc/<pid>/environ) and hand them back inside a converted document.
if ocr_process_forbid_inspection() != 0 {
    logger.warning("cannot close the worker's memory to its child processes", metadata: ["errno": "\(errno)"])
}

/// Runs the worker (and its probes) until SIGTERM or SIGINT. The engines live in this
/// function, so Tesseract's handles are released before the process exits, not left to
/// its static destructors (which complain about them).
func serve() async throws {
    let engines = try EngineRouter(configuration)
    // Each running job may wait on one round trip and send an in-progress ack at once, and the
    // pull loop waits on its fetch: enough threads that a heartbeat never queues behind them.
    let nats = try await NATSConnection.connect(
        configuration.nats,
        logger: logger,
        blockingThreads: max(8, 2 * configuration.maxJobs + 2)
    )
    let worker = Worker(configuration: configuration, nats: nats, engines: engines, logger: logger)
    var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: worker)]
    if let tracing = configuration.tracing {
        let exporter = try FleetTracing.bootstrap(
            tracing,
            serviceName: "ocr-worker",
            logLevel: configuration.logLevel,
            logger: logger
        )
        // Last to stop, so the spans of the jobs that drain are sent.
        services.insert(.init(service: exporter), at: 0)
    }
    if let probes = worker.probes, let port = configuration.probePort {
        services.append(
            .init(
                service: probes.makeApplication(port: port) { port in
                    logger.info("probes listening", metadata: ["port": "\(port)"])
                }
            )
        )
    }
    let group = ServiceGroup(
        configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    )
    try await group.run()
    try await nats.drain()
}

do {
    try await serve()
    logger.info("worker stopped")
} catch {
    logger.critical("worker failed", metadata: ["error": "\(error)"])
    exit(1)
}
