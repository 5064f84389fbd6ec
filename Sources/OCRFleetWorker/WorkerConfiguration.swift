import Foundation
import OCRFleetBus
import OCRFleetConfiguration
import OCRFleetContent
import OCRFleetDocuments
import OCRFleetModel

/// Everything `ocr-worker` reads from flags and `OCR_*` variables (docs/configuration.md).
public struct WorkerConfiguration: Sendable {
    public var nats: NATSConnectionOptions
    public var streamReplicas: Int
    public var engine: EngineChoice
    public var vllmURL: String?
    public var vllmModel: String
    public var maxJobs: Int
    public var maxInflightPages: Int
    public var maxDeliver: Int
    public var workerName: String
    public var workDirectory: String
    public var dpi: Double
    public var limits: DocumentLimits
    public var transfer: TransferLimits
    public var pageTimeout: Duration
    public var ackWait: Duration
    public var retryBase: Duration
    public var retryCap: Duration
    public var logLevel: String

    public enum Settings {
        public static let engine = Setting("engine", default: "auto", "Engine: auto, deepseek, tesseract. This build has Tesseract only: auto means Tesseract and deepseek is refused.")
        public static let vllmURL = Setting("vllm.url", default: "unset", "Base URL of the vLLM OpenAI-compatible server, e.g. http://vllm:8000/v1 (for the deepseek engine, not in this build).")
        public static let vllmModel = Setting("vllm.model", default: "deepseek-ai/DeepSeek-OCR", "Served model name (for the deepseek engine, not in this build).")
        public static let maxJobs = Setting("max.jobs", default: "4", "Jobs this worker runs at once.")
        public static let maxInflightPages = Setting("max.inflight.pages", default: "32", "Engine requests kept in flight (Tesseract: at most one per core).")
        public static let maxDeliver = Setting("max.deliver", default: "5", "Attempts before a job is dead-lettered.")
        public static let workerName = Setting("worker.name", default: "host name + pid", "Name reported in events.")
        public static let workDir = Setting("work.dir", default: "system temp dir", "Where sources are downloaded while a job runs.")
        public static let dpi = Setting("dpi", default: "300", "Resolution at which PDF pages are rendered for Tesseract.")
        public static let maxDownloadBytes = Setting("max.download.bytes", default: "536870912", "Largest source accepted (bytes).")
        public static let maxPages = Setting("max.pages", default: "2000", "Most pages accepted in one document.")
        public static let maxPagePixels = Setting("max.page.pixels", default: "120000000", "Most pixels in one page bitmap; PDFs are rendered at a lower DPI to fit.")
        public static let connectTimeout = Setting("connect.timeout.s", default: "10", "Time to connect to a source or result URL before the attempt fails as retryable (seconds).")
        public static let pageTimeout = Setting("page.timeout.s", default: "120", "Time budget of one page at the engine (seconds).")
        public static let ackWait = Setting("ack.wait.s", default: "60", "Consumer ack wait (seconds); in-progress acks are sent every third of it.")
        public static let retryBase = Setting("retry.base.s", default: "2", "First retry delay (seconds); doubles per attempt, with jitter.")
        public static let retryCap = Setting("retry.cap.s", default: "300", "Longest retry delay (seconds).")

        public static let all: [Setting] =
            CommonSettings.all + [
                engine, vllmURL, vllmModel, maxJobs, maxInflightPages, maxDeliver, workerName, workDir, dpi,
                maxDownloadBytes, maxPages, maxPagePixels, connectTimeout, pageTimeout, ackWait, retryBase, retryCap,
            ]
    }

    public init(
        arguments: [String] = CommandLine.arguments, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SettingsError) {
        let reader = try SettingsReader(
            command: "ocr-worker",
            summary: "Pulls OCR jobs from the JetStream consumer ocr-workers, recognises them and uploads markdown.",
            settings: Settings.all, arguments: arguments, environment: environment)
        let name = reader.string(Settings.workerName) ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())"
        nats = NATSConnectionOptions(settings: reader, name: "ocr-worker \(name)")
        streamReplicas = try reader.int(CommonSettings.streamReplicas, default: 1, range: 1...5)
        engine = try reader.choice(Settings.engine, default: .auto)
        vllmURL = reader.string(Settings.vllmURL)
        vllmModel = reader.string(Settings.vllmModel, default: "deepseek-ai/DeepSeek-OCR")
        maxJobs = try reader.int(Settings.maxJobs, default: 4, range: 1...1024)
        maxInflightPages = try reader.int(Settings.maxInflightPages, default: 32, range: 1...4096)
        maxDeliver = try reader.int(Settings.maxDeliver, default: 5, range: 1...100)
        workerName = name
        workDirectory = reader.string(Settings.workDir, default: NSTemporaryDirectory())
        dpi = Double(try reader.int(Settings.dpi, default: 300, range: 50...1200))
        limits = DocumentLimits(
            maxPages: try reader.int(Settings.maxPages, default: 2000, range: 1...1_000_000),
            maxPagePixels: try reader.int(Settings.maxPagePixels, default: 120_000_000, range: 10_000...2_000_000_000))
        transfer = TransferLimits(
            maxDownloadBytes: try reader.int(Settings.maxDownloadBytes, default: 512 << 20, range: 1...(1 << 40)),
            connectTimeout: .milliseconds(Int(try reader.double(Settings.connectTimeout, default: 10) * 1000)))
        pageTimeout = .seconds(try reader.int(Settings.pageTimeout, default: 120, range: 1...86_400))
        ackWait = .seconds(try reader.int(Settings.ackWait, default: 60, range: 5...3600))
        retryBase = .milliseconds(Int(try reader.double(Settings.retryBase, default: 2) * 1000))
        retryCap = .seconds(try reader.int(Settings.retryCap, default: 300, range: 1...86_400))
        logLevel = reader.string(CommonSettings.logLevel, default: "info")
    }
}
