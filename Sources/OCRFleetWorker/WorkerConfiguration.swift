import Foundation
import OCRFleetBus
import OCRFleetConfiguration
import OCRFleetContent
import OCRFleetDeepSeek
import OCRFleetDocuments
import OCRFleetLanguageModel
import OCRFleetModel
import OCRFleetOffice

/// Everything `ocr-worker` reads from flags and `OCR_*` variables (docs/configuration.md).
public struct WorkerConfiguration: Sendable {
    public var nats: NATSConnectionOptions
    public var streamReplicas: Int
    public var engine: EngineChoice
    /// The DeepSeek-OCR engine's settings; nil when no vLLM URL is configured.
    public var deepseek: DeepSeekConfiguration?
    /// The instruction model of the classify and extract stages; nil when no `OCR_LLM_URL`
    /// is configured (those stages then fail as `engine_unavailable`, the OCR result stands).
    public var languageModel: LanguageModelConfiguration?
    /// The instruction model's context window in tokens: long documents are read in pieces that fit.
    public var languageModelContext: Int
    public var maxJobs: Int
    /// Of `interactiveWeight + 1` pulls while both lanes have jobs, how many start with the
    /// interactive lane (docs/lanes.md).
    public var interactiveWeight: Int
    /// Jobs of one tenant on one route the fleet runs at once (docs/lanes.md#fair-share).
    public var tenantMaxRunning: Int
    /// Whose jobs reuse earlier results (docs/storage.md#result-cache).
    public var cacheTenants: CacheTenants
    public var maxInflightPages: Int
    public var maxDeliver: Int
    public var maxLostAttempts: Int
    public var workerName: String
    public var workDirectory: String
    public var dpi: Double
    /// Turn scanned pages upright and deskew them before recognition.
    public var straighten: Bool
    /// Fold compatibility characters (ligatures and the like) in every page's markdown (NFKC).
    public var normalizeNFKC: Bool
    /// Pages an engine reads with a lower mean word confidence (0-100) are flagged.
    public var lowConfidence: Int
    public var limits: DocumentLimits
    public var transfer: TransferLimits
    /// What source, result and layout URLs may reach (`OCR_EGRESS_ALLOW`), source hosts
    /// narrowed to `OCR_SOURCE_ALLOW_HOSTS`.
    public var egress: EgressPolicy
    public var pageTimeout: Duration
    /// Time limit of one LibreOffice conversion.
    public var conversionTimeout: Duration
    /// LibreOffice's `soffice`; nil: searched for in the usual places.
    public var libreOffice: String?
    /// Whether LibreOffice must run without network (docs/security.md).
    public var officeSandbox: OfficeSandboxMode
    /// Where PDFs and images are opened, rendered and read by Tesseract (docs/security.md).
    public var documentIsolation: DocumentIsolation
    /// Address-space limit of one document's child process.
    public var documentMemoryMegabytes: Int
    /// How long a job may stay in its slot past its time limit (or a stop) before `/healthz`
    /// fails and the pod is restarted.
    public var wedgedGrace: Duration
    /// Tests only, set in code (no setting reaches it): documents' children honour
    /// `DocumentChildServer.testAbortMarker` and abort on a PDF that carries it.
    public var childTestFaults = false
    public var ackWait: Duration
    public var jobTimeout: Duration
    public var maxJobTimeout: Duration
    public var shutdownGrace: Duration
    public var retryBase: Duration
    public var retryCap: Duration
    /// Port of the probe and metrics server; nil: none.
    public var probePort: Int?
    public var probeHost: String
    /// Where traces go; nil: no tracer.
    public var tracing: TraceExport?
    public var logLevel: String
    public var logFormat: ProcessSetup.LogFormat
    public var faults: FaultInjection
    /// What time limits, wedged-job detection, heartbeats, the shutdown grace, bus patience,
    /// progress pacing and the DeepSeek engine count time with; tests set one they move by hand.
    public var clock: FleetClock = .continuous

    public enum Settings {
        public static let engine = Setting(
            "engine",
            default: "auto",
            "Engine for jobs that ask for auto: auto (DeepSeek-OCR when a vLLM server is configured and healthy, else Tesseract), deepseek, tesseract."
        )
        public static let vllmURL = Setting(
            "vllm.url",
            default: "unset",
            "Base URL(s) of vLLM OpenAI-compatible servers, comma-separated, e.g. http://vllm:8000/v1; balanced by least outstanding requests."
        )
        public static let vllmModel = Setting(
            "vllm.model",
            default: "deepseek-ai/DeepSeek-OCR",
            "Served model name; start-up fails if a server answers without it."
        )
        public static let vllmAPIKey = Setting("vllm.api.key", default: "unset", "Bearer token for servers started with --api-key.")
        public static let vllmMaxTokens = Setting("vllm.max.tokens", default: "4096", "Token budget of one page's answer.")
        public static let vllmRetryMaxTokens = Setting(
            "vllm.retry.max.tokens",
            default: "8192",
            "Budget of the one retry of a page cut off at the token budget (capped by the model's context)."
        )
        public static let vllmNgramSize = Setting("vllm.ngram.size", default: "30", "vllm_xargs ngram_size of the repetition guard; 0 leaves it out.")
        public static let vllmWindowSize = Setting(
            "vllm.window.size",
            default: "90",
            "vllm_xargs window_size of the repetition guard; 0 leaves it out."
        )
        public static let vllmWhitelist = Setting(
            "vllm.whitelist.token.ids",
            default: "128821,128822",
            "vllm_xargs whitelist_token_ids (<td>, </td>); none leaves it out, for vLLM releases that reject a list there."
        )
        public static let vllmImageFormat = Setting("vllm.image.format", default: "png", "How pages are sent: png or jpeg.")
        public static let vllmPNGLevel = Setting("vllm.png.level", default: "1", "zlib level of PNG pages, 0-9.")
        public static let vllmJPEGQuality = Setting("vllm.jpeg.quality", default: "90", "Quality of JPEG pages, 1-100.")
        public static let vllmColor = Setting("vllm.color", default: "false", "Send colour pages (true) or gray (false, a third of the bytes).")
        public static let vllmHealthInterval = Setting("vllm.health.interval.s", default: "10", "Seconds between health checks of each vLLM server.")
        public static let llmURL = Setting(
            "llm.url",
            default: "unset",
            "Base URL(s) of OpenAI-compatible servers of the instruction model that classifies and extracts (vLLM: http://llm:8000/v1), comma-separated; unset, jobs asking for classify or extract complete without them."
        )
        public static let llmModel = Setting(
            "llm.model",
            default: "Qwen/Qwen2.5-7B-Instruct",
            "The instruction model's served name; start-up fails if a server answers without it."
        )
        public static let llmAPIKey = Setting("llm.api.key", default: "unset", "Bearer token for the instruction model's servers.")
        public static let llmMaxInflight = Setting(
            "llm.max.inflight",
            default: "16",
            "Instruction-model requests in flight across all jobs of the worker, lowered while the servers push back."
        )
        public static let llmTimeout = Setting(
            "llm.timeout.s",
            default: "120",
            "Seconds one instruction-model answer may take, retries after 429/503 included."
        )
        public static let llmContextTokens = Setting(
            "llm.context.tokens",
            default: "32768",
            "The instruction model's context window (vLLM's --max-model-len): long documents are read in pieces that fit."
        )
        public static let llmMaxTokens = Setting("llm.max.tokens", default: "2048", "Token budget of one instruction-model answer.")
        public static let maxJobs = Setting("max.jobs", default: "4", "Jobs this worker runs at once.")
        public static let interactiveWeight = Setting(
            "interactive.weight",
            default: "4",
            "Of every N+1 pull rounds, N start with the interactive lane and one with batch (1: turn about)."
        )
        public static let tenantMaxRunning = Setting(
            "tenant.max.running",
            default: "100",
            "Jobs of one tenant on one route (lane, and whether it needs a GPU) the whole fleet runs at once; the same on every worker. Bounded by the fleet's 1000 in flight."
        )
        public static let cacheTenants = Setting(
            "cache.tenants",
            default: "none",
            "Tenants whose jobs reuse an earlier job's results for the same source bytes, options, engine and models (docs/storage.md#result-cache), comma-separated; * for every tenant and the jobs on the shared routes; none: no job is cached. The same on every worker."
        )
        public static let maxInflightPages = Setting(
            "max.inflight.pages",
            default: "32",
            "Engine requests kept in flight across all jobs of the worker (DeepSeek: requests at vLLM, lowered while it pushes back; Tesseract: at most one per core)."
        )
        public static let maxDeliver = Setting(
            "max.deliver",
            default: "5",
            "Attempts that fail through the job itself (a retryable error) before it is dead-lettered."
        )
        public static let maxLostAttempts = Setting(
            "max.lost.attempts",
            default: "10",
            "Further deliveries of a job whose attempts ended without an outcome (the worker killed, evicted or cut off from NATS mid-job) before it is dead-lettered as worker_lost. The consumer's MaxDeliver is this plus OCR_MAX_DELIVER."
        )
        public static let testFaults = Setting(
            "test.faults",
            default: "none",
            "For tests only: faults to inject once, comma-separated: end-write-fails, exit-after-end-write (docs/testing.md)."
        )
        public static let workerName = Setting("worker.name", default: "host name + pid", "Name reported in events.")
        public static let workDir = Setting("work.dir", default: "system temp dir", "Where sources are downloaded while a job runs.")
        public static let dpi = Setting("dpi", default: "300", "Resolution at which PDF pages are rendered for Tesseract.")
        public static let straighten = Setting(
            "straighten",
            default: "true",
            "Turn pages upright (Tesseract orientation detection, tesseract-ocr-osd) and correct small skew: every scan before DeepSeek reads it; with Tesseract, the pages it reads with low confidence."
        )
        public static let normalizeNFKC = Setting(
            "normalize.nfkc",
            default: "true",
            "Fold Unicode compatibility characters (ligatures such as ﬀ, full-width forms, Arabic presentation forms) in every page's markdown as NFKC does; link targets and code are left as they are."
        )
        public static let lowConfidence = Setting(
            "low.confidence",
            default: "60",
            "Pages Tesseract reads with a lower mean word confidence (0-100) open with <!-- low confidence: N --> and are listed in completed.pages_low_confidence; 0 flags none."
        )
        public static let maxDownloadBytes = Setting("max.download.bytes", default: "536870912", "Largest source accepted (bytes).")
        public static let maxPages = Setting("max.pages", default: "2000", "Most pages accepted in one document.")
        public static let maxPagePixels = Setting(
            "max.page.pixels",
            default: "120000000",
            "Most pixels in one page bitmap; PDFs are rendered at a lower DPI and PNG or JPEG images decoded shrunk to fit."
        )
        public static let maxUnzippedBytes = Setting(
            "max.unzipped.bytes",
            default: "536870912",
            "Most bytes a zip-based document (DOCX, PPTX, XLSX, OpenDocument) may unpack to; more is source_too_large."
        )
        public static let maxZipEntries = Setting(
            "max.zip.entries",
            default: "10000",
            "Most entries in a zip-based document; more is source_too_large."
        )
        public static let conversionTimeout = Setting(
            "conversion.timeout.s",
            default: "120",
            "Time limit of one LibreOffice conversion to PDF (seconds); over it LibreOffice is killed and the attempt fails with engine_timeout."
        )
        public static let libreOffice = Setting(
            "libreoffice",
            default: "/usr/bin/soffice, /usr/lib/libreoffice/program/soffice or /usr/local/bin/soffice",
            "LibreOffice's soffice, which converts DOC, PPT, XLS, ODT, ODP, ODS, RTF (and PPTX, XLSX, and DOCX in ocr mode) to PDF."
        )
        public static let officeSandbox = Setting(
            "office.sandbox",
            default: "required",
            "required: LibreOffice runs only without network, in each sandbox that works here (a network namespace, unshare -rn, where user namespaces are allowed; the seccomp filter of ocr-office-sandbox, installed beside ocr-worker); where none works, files that need LibreOffice fail with unsupported_format. off: LibreOffice runs unsandboxed with the worker's network (an explicit opt-out)."
        )
        public static let documentIsolation = Setting(
            "document.isolation",
            default: "process",
            "process: each job attempt's PDF or image is opened, rendered and read by Tesseract in a child process of its own (ocr-document-child, installed beside ocr-worker), with a CPU-time and address-space limit and no network, killed when the job's time limit passes or the job is stopped; a page that hangs or crashes poppler, Leptonica or Tesseract ends that job (engine_timeout, document_crashed) and nothing else. off: in the worker's process, where such a page pins a job slot or ends the worker."
        )
        public static let documentMemoryMB = Setting(
            "document.memory.mb",
            default: "3072",
            "Address space one document's child process may use (MiB); an allocation past it fails, and the job fails with document_crashed when the library aborts on that."
        )
        public static let wedgedGrace = Setting(
            "wedged.grace.s",
            default: "30",
            "How long a job may hold its slot past its time limit (or a cancel or shutdown stop) before it counts as wedged (seconds): /healthz fails, so Kubernetes restarts a worker whose job cannot be stopped, and its in-progress acks stop, so the job goes to another worker."
        )
        public static let sourceAllowHosts = Setting(
            "source.allow.hosts",
            default: "any host OCR_EGRESS_ALLOW lets through",
            "Hosts a source URL (and each of its redirects) may name, comma-separated; *.example.com matches subdomains. Others are invalid_job. Narrows OCR_EGRESS_ALLOW, never widens it."
        )
        public static let connectTimeout = Setting(
            "connect.timeout.s",
            default: "10",
            "Time to connect to a source or result URL before the attempt fails as retryable (seconds)."
        )
        public static let pageTimeout = Setting("page.timeout.s", default: "120", "Time budget of one page at the engine (seconds).")
        public static let jobTimeout = Setting(
            "job.timeout.s",
            default: "900",
            "Time limit of a job that gives no options.timeout_s (seconds); over it the attempt fails with engine_timeout."
        )
        public static let maxJobTimeout = Setting("max.job.timeout.s", default: "3600", "Cap on options.timeout_s (seconds).")
        public static let shutdownGrace = Setting(
            "shutdown.grace.s",
            default: "25",
            "On SIGTERM, how long jobs in flight may run on before they are handed back to the queue (seconds); keep it under the pod's termination grace period."
        )
        public static let ackWait = Setting("ack.wait.s", default: "60", "Consumer ack wait (seconds); in-progress acks are sent every third of it.")
        public static let retryBase = Setting("retry.base.s", default: "2", "First retry delay (seconds); doubles per attempt, with jitter.")
        public static let retryCap = Setting("retry.cap.s", default: "300", "Longest retry delay (seconds).")

        public static let probePort = Setting(
            "probe.port",
            default: "unset (no server)",
            "Port of /healthz, /readyz and /metrics (the container images set 8081; 0 picks a free one)."
        )
        public static let probeHost = Setting("probe.host", default: "0.0.0.0", "Address the probe server listens on.")

        public static let all: [Setting] =
            CommonSettings.all + [
                engine, vllmURL, vllmModel, vllmAPIKey, vllmMaxTokens, vllmRetryMaxTokens, vllmNgramSize, vllmWindowSize,
                vllmWhitelist, vllmImageFormat, vllmPNGLevel, vllmJPEGQuality, vllmColor, vllmHealthInterval, llmURL, llmModel, llmAPIKey,
                llmMaxInflight, llmTimeout, llmContextTokens, llmMaxTokens, maxJobs, interactiveWeight, tenantMaxRunning, cacheTenants,
                maxInflightPages,
                maxDeliver,
                maxLostAttempts, workerName, workDir, dpi, straighten, normalizeNFKC, lowConfidence,
                maxDownloadBytes, maxPages, maxPagePixels, maxUnzippedBytes, maxZipEntries, conversionTimeout, libreOffice, officeSandbox,
                documentIsolation, documentMemoryMB, wedgedGrace, sourceAllowHosts, connectTimeout, pageTimeout, jobTimeout, maxJobTimeout,
                shutdownGrace, ackWait, retryBase, retryCap, probePort, probeHost, testFaults,
            ]
    }

    public init(
        arguments: [String] = CommandLine.arguments,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SettingsError) {
        let reader = try SettingsReader(
            command: "ocr-worker",
            summary: "Pulls OCR jobs from the job lanes' JetStream consumers (ocr-workers and its kin), recognises them and uploads markdown.",
            settings: Settings.all,
            arguments: arguments,
            environment: environment
        )
        let name = reader.string(Settings.workerName) ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())"
        nats = NATSConnectionOptions(settings: reader, name: "ocr-worker \(name)")
        streamReplicas = try reader.int(CommonSettings.streamReplicas, default: 1, range: 1...5)
        engine = try reader.choice(Settings.engine, default: .auto)
        maxJobs = try reader.int(Settings.maxJobs, default: 4, range: 1...1024)
        interactiveWeight = try reader.int(Settings.interactiveWeight, default: 4, range: 1...1000)
        tenantMaxRunning = try reader.int(Settings.tenantMaxRunning, default: 100, range: 1...1000)
        guard let cacheTenants = CacheTenants(reader.list(Settings.cacheTenants)) else {
            throw .invalidValue(
                Settings.cacheTenants,
                reader.string(Settings.cacheTenants) ?? "",
                expected: "tenant names (1-40 of A-Z a-z 0-9 - _), *, or none, comma-separated"
            )
        }
        self.cacheTenants = cacheTenants
        maxInflightPages = try reader.int(Settings.maxInflightPages, default: 32, range: 1...4096)
        deepseek = try Self.deepseek(reader, maxInflight: maxInflightPages)
        languageModel = try Self.languageModel(reader)
        languageModelContext = try reader.int(Settings.llmContextTokens, default: 32768, range: 1024...10_000_000)
        maxDeliver = try reader.int(Settings.maxDeliver, default: 5, range: 1...100)
        maxLostAttempts = try reader.int(Settings.maxLostAttempts, default: 10, range: 0...1000)
        workerName = name
        workDirectory = reader.string(Settings.workDir, default: NSTemporaryDirectory())
        dpi = Double(try reader.int(Settings.dpi, default: 300, range: 50...1200))
        straighten = try reader.bool(Settings.straighten, default: true)
        normalizeNFKC = try reader.bool(Settings.normalizeNFKC, default: true)
        lowConfidence = try reader.int(Settings.lowConfidence, default: 60, range: 0...100)
        limits = DocumentLimits(
            maxPages: try reader.int(Settings.maxPages, default: 2000, range: 1...1_000_000),
            maxPagePixels: try reader.int(Settings.maxPagePixels, default: 120_000_000, range: 10_000...2_000_000_000),
            zip: ZipLimits(
                maxEntries: try reader.int(Settings.maxZipEntries, default: 10_000, range: 1...10_000_000),
                maxBytes: try reader.int(Settings.maxUnzippedBytes, default: 512 << 20, range: 1...(1 << 40))
            )
        )
        conversionTimeout = .seconds(try reader.int(Settings.conversionTimeout, default: 120, range: 1...86_400))
        libreOffice = reader.string(Settings.libreOffice)
        officeSandbox = try reader.choice(Settings.officeSandbox, default: .required)
        documentIsolation = try reader.choice(Settings.documentIsolation, default: .process)
        documentMemoryMegabytes = try reader.int(Settings.documentMemoryMB, default: 3072, range: 256...1_048_576)
        wedgedGrace = .seconds(try reader.int(Settings.wedgedGrace, default: 30, range: 1...86_400))
        transfer = TransferLimits(
            maxDownloadBytes: try reader.int(Settings.maxDownloadBytes, default: 512 << 20, range: 1...(1 << 40)),
            connectTimeout: .milliseconds(Int(try reader.double(Settings.connectTimeout, default: 10) * 1000))
        )
        egress = EgressPolicy(
            allowed: try reader.list(CommonSettings.egressAllow, expected: EgressRule.syntax) { EgressRule($0) },
            hosts: reader.list(Settings.sourceAllowHosts)
        )
        pageTimeout = .seconds(try reader.int(Settings.pageTimeout, default: 120, range: 1...86_400))
        jobTimeout = .seconds(try reader.int(Settings.jobTimeout, default: 900, range: 1...604_800))
        maxJobTimeout = .seconds(try reader.int(Settings.maxJobTimeout, default: 3600, range: 1...604_800))
        shutdownGrace = .milliseconds(Int(try reader.double(Settings.shutdownGrace, default: 25) * 1000))
        ackWait = .seconds(try reader.int(Settings.ackWait, default: 60, range: 5...3600))
        retryBase = .milliseconds(Int(try reader.double(Settings.retryBase, default: 2) * 1000))
        retryCap = .seconds(try reader.int(Settings.retryCap, default: 300, range: 1...86_400))
        probePort = try reader.string(Settings.probePort).map { _ throws(SettingsError) in
            try reader.int(Settings.probePort, default: 0, range: 0...65535)
        }
        probeHost = reader.string(Settings.probeHost, default: "0.0.0.0")
        tracing = try reader.traceExport()
        logLevel = reader.string(CommonSettings.logLevel, default: "info")
        logFormat = try reader.choice(CommonSettings.logFormat, default: .auto)
        var faultPoints = Set<FaultInjection.Point>()
        for name in reader.list(Settings.testFaults) where name != "none" {
            guard let point = FaultInjection.Point(rawValue: name) else {
                let known = FaultInjection.Point.allCases.map(\.rawValue).joined(separator: ", ")
                throw .invalidValue(Settings.testFaults, name, expected: "none or some of \(known)")
            }
            faultPoints.insert(point)
        }
        faults = FaultInjection(faultPoints)
        // Each request keeps twice the answer's budget out of the context (a re-ask sends the
        // first answer back) besides the prompt: less than this leaves no room for any text.
        if let languageModel, languageModelContext < 2 * languageModel.maxTokens + 1024 {
            throw .invalidValue(
                Settings.llmContextTokens,
                "\(languageModelContext)",
                expected: "at least twice OCR_LLM_MAX_TOKENS (\(languageModel.maxTokens)) plus 1024 tokens of prompt and text"
            )
        }
        if engine == .deepseek, deepseek == nil {
            throw .invalidValue(Settings.engine, "deepseek", expected: "OCR_VLLM_URL to be set for the deepseek engine")
        }
    }

    /// How long a bus call is tried again before its error reaches the job: twice the ack
    /// wait, past which the job would be redelivered anyway.
    var busPatience: BusPatience { BusPatience(limit: ackWait * 2, clock: clock) }

    /// A job's time limit: its `options.timeout_s`, else `OCR_JOB_TIMEOUT_S`, at most `OCR_MAX_JOB_TIMEOUT_S`.
    public func timeLimit(of job: JobRequest) -> Duration {
        min(job.options.timeoutSeconds.map { Duration.seconds($0) } ?? jobTimeout, maxJobTimeout)
    }

    private static func languageModel(_ reader: SettingsReader) throws(SettingsError) -> LanguageModelConfiguration? {
        let urls = reader.list(Settings.llmURL)
        guard !urls.isEmpty else { return nil }
        for url in urls where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw .invalidValue(Settings.llmURL, url, expected: "http:// or https:// URLs")
        }
        return LanguageModelConfiguration(
            endpoints: urls,
            model: reader.string(Settings.llmModel, default: "Qwen/Qwen2.5-7B-Instruct"),
            apiKey: reader.string(Settings.llmAPIKey),
            maxInflight: try reader.int(Settings.llmMaxInflight, default: 16, range: 1...4096),
            requestTimeout: .seconds(try reader.int(Settings.llmTimeout, default: 120, range: 1...86_400)),
            maxTokens: try reader.int(Settings.llmMaxTokens, default: 2048, range: 16...1_000_000)
        )
    }

    private static func deepseek(_ reader: SettingsReader, maxInflight: Int) throws(SettingsError) -> DeepSeekConfiguration? {
        let urls = reader.list(Settings.vllmURL)
        guard !urls.isEmpty else { return nil }
        for url in urls where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw .invalidValue(Settings.vllmURL, url, expected: "http:// or https:// URLs")
        }
        let whitelistText = reader.string(Settings.vllmWhitelist, default: "128821,128822")
        var whitelist: [Int] = []
        if whitelistText.lowercased() != "none" {
            for item in whitelistText.split(separator: ",") {
                guard let id = Int(item.trimmingCharacters(in: .whitespaces)) else {
                    throw .invalidValue(Settings.vllmWhitelist, whitelistText, expected: "token ids separated by commas, or none")
                }
                whitelist.append(id)
            }
        }
        let format = reader.string(Settings.vllmImageFormat, default: "png").lowercased()
        let encoding: ImageEncoding
        switch format {
        case "png": encoding = .png(level: try reader.int(Settings.vllmPNGLevel, default: 1, range: 0...9))
        case "jpeg", "jpg": encoding = .jpeg(quality: try reader.int(Settings.vllmJPEGQuality, default: 90, range: 1...100))
        default: throw .invalidValue(Settings.vllmImageFormat, format, expected: "png or jpeg")
        }
        let ngram = try reader.int(Settings.vllmNgramSize, default: 30, range: 0...10_000)
        let window = try reader.int(Settings.vllmWindowSize, default: 90, range: 0...100_000)
        return DeepSeekConfiguration(
            endpoints: urls,
            model: reader.string(Settings.vllmModel, default: "deepseek-ai/DeepSeek-OCR"),
            apiKey: reader.string(Settings.vllmAPIKey),
            maxTokens: try reader.int(Settings.vllmMaxTokens, default: 4096, range: 16...1_000_000),
            retryMaxTokens: try reader.int(Settings.vllmRetryMaxTokens, default: 8192, range: 16...1_000_000),
            ngramSize: ngram == 0 ? nil : ngram,
            windowSize: window == 0 ? nil : window,
            whitelistTokenIDs: whitelist,
            encoding: encoding,
            color: try reader.bool(Settings.vllmColor, default: false),
            maxInflight: maxInflight,
            healthInterval: .seconds(try reader.int(Settings.vllmHealthInterval, default: 10, range: 1...3600))
        )
    }
}
