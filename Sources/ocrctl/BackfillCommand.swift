import ArgumentParser
import Crypto
import Foundation
import OCRFleetBackfill
import OCRFleetClient
import OCRFleetContent
import OCRFleetModel
import UnixSignals

struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Submit every document of a directory, an S3 prefix or a JSON-lines manifest.",
        discussion: """
            A checkpoint file records each document once its job is accepted: run the same command \
            again after an interruption (Ctrl-C stops cleanly) and it goes on where it stopped. \
            Each document gets a job id derived from its key and version, so a document submitted \
            twice is still one job. Results of S3 documents go beside them (KEY.md); others to the \
            gateway's store (or a manifest entry's result_url). See docs/backfill.md.
            """
    )

    @OptionGroup var gateway: GatewayOptions

    @Option(help: "Submit the files under this directory (uploaded through the gateway).")
    var dir: String?
    @Option(
        help:
            "Submit the entries of this JSON-lines manifest: {\"url\", \"id\"?, \"content_type\"?, \"size\"?, \"modified\"?, \"metadata\"?, \"result_url\"?}."
    )
    var manifest: String?
    @Option(help: "Submit the objects under s3://bucket/prefix (keys from OCR_S3_ACCESS_KEY_ID / OCR_S3_SECRET_ACCESS_KEY).")
    var s3: String?

    @Option(name: .customLong("type"), help: "Only this content type (application/pdf, image/*); repeat for several.")
    var types: [String] = []
    @Option(help: "Only documents of at least this many bytes.") var minSize: Int?
    @Option(help: "Only documents of at most this many bytes.") var maxSize: Int?
    @Option(help: "Only documents modified after this ISO 8601 date or time.") var modifiedAfter: String?
    @Option(help: "Only documents modified before this ISO 8601 date or time.") var modifiedBefore: String?
    @Option(name: .customLong("where"), help: "Only documents with this metadata, NAME=VALUE (S3: x-amz-meta-NAME); repeat for several.")
    var conditions: [String] = []
    @Flag(help: "Skip documents that already have a result (a completed job, or KEY.md beside an S3 object).")
    var skipDone = false

    @Flag(help: "Print the job id and key of each document that would be submitted; submit nothing.")
    var dryRun = false
    @Option(help: "Submissions per second (default: as fast as --concurrency allows).") var rate: Double?
    @Option(help: "Wait while OCR_JOBS holds this many jobs or more; 0 never waits.") var maxOutstanding = 10_000
    @Option(help: "Submissions in flight at once.") var concurrency = 8
    @Option(help: "Checkpoint file (default: ocrfleet-backfill-<source hash>.checkpoint here).") var checkpoint: String?
    @Flag(help: "Skip the counting pass: no total, no ETA.") var noCount = false

    @Option(help: "Engine.") var engine: EngineChoice?
    @Option(help: "Recognition mode.") var mode: RecognitionMode?
    @Option(help: "Pages, 1-based ranges such as 1-3,7.") var pages: String?
    @Option(help: "Tesseract languages, e.g. eng or eng+deu.") var languages: String?
    @Option(help: "Running headers, footers and page numbers of PDF text layers: mark or drop.")
    var headersFooters: HeaderFooterPolicy?
    @Option(help: "The jobs' lane (default batch, so that people's own uploads go first).") var priority: JobPriority = .batch

    @Option(help: "S3 service URL (env OCR_S3_ENDPOINT; default AWS for the region).") var s3Endpoint: String?
    @Option(help: "S3 region (env OCR_S3_REGION, default us-east-1).") var s3Region: String?

    @Flag(help: "Print the final summary as JSON.") var json = false

    func validate() throws {
        guard [dir, manifest, s3].compactMap({ $0 }).count == 1 else {
            throw ValidationError("name one source: --dir, --manifest or --s3")
        }
        for condition in conditions where !condition.contains("=") {
            throw ValidationError("--where takes NAME=VALUE, not '\(condition)'")
        }
        if dir != nil, !conditions.isEmpty { throw ValidationError("--where needs an S3 or manifest source") }
        if let pages { _ = try PageRanges(parsing: pages) }
        guard concurrency >= 1, maxOutstanding >= 0, (rate ?? 1) > 0 else {
            throw ValidationError("--concurrency must be at least 1, --rate above 0, --max-outstanding at least 0")
        }
    }

    func run() async throws {
        let source = try makeSource()
        let backfill = Backfill(source: source, plan: try makePlan(), gateway: try gateway.client())
        let checkpointFile: Checkpoint?
        if dryRun {
            checkpointFile = nil
        } else {
            let path = checkpoint ?? Self.defaultCheckpoint(for: source)
            checkpointFile = try Checkpoint(path: path, source: source.identity)
            if let done = checkpointFile?.done.count, done > 0 {
                note("resuming from \(path): \(done) documents already submitted")
            }
        }

        let signals = Task {
            for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) {
                if backfill.stop.isRequested { Foundation.exit(130) }
                note("\nstopping: finishing the submissions in flight (again to quit at once)")
                backfill.stop.request()
            }
        }
        defer { signals.cancel() }

        let total = noCount ? nil : try await backfill.count()
        let progress = ProgressLine(enabled: isatty(STDERR_FILENO) == 1)
        let summary = try await backfill.run(
            checkpoint: checkpointFile,
            total: total,
            report: { progress.draw($0) },
            print: { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        )
        progress.finish()
        report(summary)
        if summary.interrupted { throw ExitCode(130) }
        if summary.failed > 0 { throw ExitCode(1) }
    }

    func makeSource() throws -> BackfillSource {
        if let dir { return .directory(dir) }
        if let manifest { return .manifest(manifest) }
        let environment = ProcessInfo.processInfo.environment
        guard let location = s3, let (name, prefix) = S3Bucket.parseLocation(location) else {
            throw ValidationError("--s3 takes s3://bucket/prefix")
        }
        guard let keyID = environment["OCR_S3_ACCESS_KEY_ID"], let secret = environment["OCR_S3_SECRET_ACCESS_KEY"] else {
            throw ValidationError("--s3 needs OCR_S3_ACCESS_KEY_ID and OCR_S3_SECRET_ACCESS_KEY")
        }
        let region = s3Region ?? environment["OCR_S3_REGION"] ?? "us-east-1"
        let endpoint = s3Endpoint ?? environment["OCR_S3_ENDPOINT"]
        let pathStyle = environment["OCR_S3_PATH_STYLE"].map { $0 == "true" || $0 == "1" } ?? (endpoint != nil)
        let bucket = S3Bucket(
            name: name,
            endpoint: endpoint ?? S3Bucket.awsEndpoint(region: region),
            region: region,
            pathStyle: pathStyle,
            credentials: S3Credentials(
                accessKeyID: keyID,
                secretAccessKey: secret,
                sessionToken: environment["OCR_S3_SESSION_TOKEN"]
            )
        )
        return .s3(S3Client(bucket: bucket), prefix: prefix)
    }

    func makePlan() throws -> BackfillPlan {
        var plan = BackfillPlan()
        plan.filter.contentTypes = types
        plan.filter.minSize = minSize
        plan.filter.maxSize = maxSize
        plan.filter.modifiedAfter = try modifiedAfter.map { try Self.date($0, option: "--modified-after") }
        plan.filter.modifiedBefore = try modifiedBefore.map { try Self.date($0, option: "--modified-before") }
        for condition in conditions {
            let pair = condition.split(separator: "=", maxSplits: 1).map(String.init)
            plan.filter.metadata[pair[0]] = pair.count > 1 ? pair[1] : ""
        }
        plan.skipDone = skipDone
        plan.dryRun = dryRun
        plan.rate = rate
        plan.maxOutstanding = maxOutstanding
        plan.concurrency = concurrency
        plan.options =
            try JobChoices(
                engine: engine,
                mode: mode,
                pages: pages,
                languages: languages,
                headersFooters: headersFooters,
                priority: priority
            ).options
        return plan
    }

    static func date(_ text: String, option: String) throws -> Date {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withFullDate]
        if let date = formatter.date(from: text) { return date }
        throw ValidationError("\(option) takes an ISO 8601 date (2024-01-31) or time (2024-01-31T12:00:00Z)")
    }

    static func defaultCheckpoint(for source: BackfillSource) -> String {
        let hash = SHA256.hash(data: Data(source.identity.utf8)).prefix(4).map { String(format: "%02x", $0) }.joined()
        return "ocrfleet-backfill-\(hash).checkpoint"
    }

    func report(_ summary: BackfillSummary) {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(summary) {
                FileHandle.standardOutput.write(data + Data("\n".utf8))
            }
            return
        }
        let verb = dryRun ? "would submit" : "submitted"
        var line = "\(verb) \(summary.submitted), already done \(summary.alreadyDone), filtered out \(summary.filtered), "
        line += "failed \(summary.failed); \(summary.handled) documents in \(String(format: "%.1f", summary.seconds)) s"
        if summary.seconds > 0 { line += String(format: " (%.0f/s)", Double(summary.handled) / summary.seconds) }
        if summary.interrupted { line += "; interrupted: run again to go on" }
        note(line)
        for failure in summary.failures { note("  failed: \(failure)") }
    }

    func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// The progress bar on standard error: documents handled of the total, rate and ETA,
/// redrawn at most five times a second.
final class ProgressLine {
    private let enabled: Bool
    private var lastDrawn = ContinuousClock.now - .seconds(1)
    private var drewAny = false

    init(enabled: Bool) { self.enabled = enabled }

    func draw(_ summary: BackfillSummary) {
        guard enabled, ContinuousClock.now - lastDrawn >= .milliseconds(200) else { return }
        lastDrawn = .now
        drewAny = true
        let done = summary.handled
        let rate = summary.seconds > 0 ? Double(done) / summary.seconds : 0
        var line = "\r"
        if let total = summary.total, total > 0 {
            line += "[" + Self.bar(done: done, total: total) + "] \(done)/\(total)"
            if rate > 0 { line += String(format: " · %.0f/s", rate) + " · ETA " + Self.clock(Double(total - done) / rate) }
        } else {
            line += "\(done) documents" + String(format: " · %.0f/s", rate)
        }
        line += " · submitted \(summary.submitted), failed \(summary.failed)  "
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        if drewAny { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// `done` of `total` as 30 cells, filled `█`, empty `·`.
    static func bar(done: Int, total: Int) -> String {
        let width = 30
        let filled = total > 0 ? min(width, width * done / total) : 0
        return String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
    }

    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole >= 3600
            ? String(format: "%d:%02d:%02d", whole / 3600, whole / 60 % 60, whole % 60)
            : String(format: "%d:%02d", whole / 60, whole % 60)
    }
}
