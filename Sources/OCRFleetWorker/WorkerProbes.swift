import Hummingbird
import Logging
import NIOCore
import OCRFleetBus
import OCRFleetDeepSeek
import OCRFleetMetrics
import OCRFleetModel
import OCRFleetOffice
import Synchronization

/// Whether the worker has bound its consumer and is pulling jobs, and how it runs
/// LibreOffice; set by `Worker`, read by the readiness probe.
public final class WorkerStatus: Sendable {
    private let pulling = Atomic<Bool>(false)
    private let sandbox = Mutex<OfficeSandbox?>(nil)
    private let jobs = Mutex<RunningJobs?>(nil)

    public init() {}

    public var isPulling: Bool { pulling.load(ordering: .acquiring) }
    func setPulling(_ value: Bool) { pulling.store(value, ordering: .releasing) }

    /// The office sandbox found at start-up; nil before the probe.
    public var officeSandbox: OfficeSandbox? { sandbox.withLock { $0 } }
    func setOfficeSandbox(_ value: OfficeSandbox) { sandbox.withLock { $0 = value } }

    func setRunningJobs(_ value: RunningJobs?) { jobs.withLock { $0 = value } }

    /// Jobs held in their slot `grace` past their time limit or stop.
    func wedgedJobs(grace: Duration) -> [String] { jobs.withLock { $0 }?.wedged(grace: grace) ?? [] }
}

/// The worker's small HTTP port (`OCR_PROBE_PORT`) for Kubernetes and Prometheus:
/// `/healthz` while the process runs and no job slot is wedged (a job still held
/// `OCR_WEDGED_GRACE_S` after its time limit or stop: only a restart frees it), `/readyz` while NATS is connected, the consumer is
/// bound and the engine the worker defaults to can take pages, `/metrics`. `/readyz` says
/// how LibreOffice runs on a line of its own; a worker without an office sandbox stays ready
/// (PDFs, images and DOCX/PPTX/XLSX read from their XML need none) and refuses only the
/// files that need LibreOffice.
public struct WorkerProbes: Sendable {
    let configuration: WorkerConfiguration
    let nats: NATSConnection
    let engines: EngineRouter
    let status: WorkerStatus
    let logger: Logger

    public init(
        configuration: WorkerConfiguration,
        nats: NATSConnection,
        engines: EngineRouter,
        status: WorkerStatus,
        logger: Logger
    ) {
        _ = MetricsExport.registry
        self.configuration = configuration
        self.nats = nats
        self.engines = engines
        self.status = status
        self.logger = logger
    }

    /// Why the worker is not ready, or nil when it is.
    var unreadiness: String? {
        guard nats.isConnected else { return "NATS disconnected" }
        guard status.isPulling else { return "not pulling jobs (starting up or stopping)" }
        if configuration.engine == .deepseek, engines.deepseek?.isHealthy != true {
            return "no healthy vLLM server for OCR_ENGINE=deepseek"
        }
        return nil
    }

    public func makeApplication(
        port: Int,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    )
        -> Application<RouterResponder<BasicRequestContext>>
    {
        let router = Router()
        router.get("/healthz") { _, _ -> Response in
            let wedged = status.wedgedJobs(grace: configuration.wedgedGrace)
            guard wedged.isEmpty else {
                let text = "job slot wedged past its time limit: \(wedged.joined(separator: ", "))\n"
                return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: text)))
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("/readyz") { _, _ -> Response in
            let office = status.officeSandbox.map { "office: \($0)\n" } ?? ""
            if let reason = unreadiness {
                return Response(
                    status: .serviceUnavailable,
                    body: .init(byteBuffer: ByteBuffer(string: reason + "\n" + office))
                )
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n" + office)))
        }
        router.get("/metrics") { _, _ in
            if let health = engines.deepseek?.serverHealth {
                FleetMetrics.modelServers(engine: "deepseek", healthy: health.healthy, total: health.total)
            }
            return Response(
                status: .ok,
                headers: [.contentType: MetricsExport.contentType],
                body: .init(byteBuffer: ByteBuffer(bytes: MetricsExport.exposition()))
            )
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.probeHost, port: port), serverName: "ocr-worker"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }
}
