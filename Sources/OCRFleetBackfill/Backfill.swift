import Foundation
import OCRFleetAPI
import OCRFleetClient
import OCRFleetContent
import OCRFleetModel
import Synchronization

/// How a backfill submits: what it skips, how fast it goes, what the jobs carry.
public struct BackfillPlan: Sendable {
    public var filter = BackfillFilter()
    /// Skip documents whose job (same document, same version) has completed, or whose
    /// result already sits beside them in the bucket.
    public var skipDone = false
    /// Print what would be submitted; submit nothing, record nothing.
    public var dryRun = false
    /// Submissions a second; nil: as fast as `concurrency` allows.
    public var rate: Double?
    /// Waits while `OCR_JOBS` holds this many jobs or more; 0: never waits.
    public var maxOutstanding = 10_000
    /// Submissions in flight at once.
    public var concurrency = 8
    /// The jobs' options; in the batch lane unless they say otherwise.
    public var options = Components.Schemas.Options(priority: .batch)
    /// Lifetime of the presigned URLs given to jobs of S3 documents.
    public var urlLifetime: Duration = .seconds(7 * 86_400)

    public init() {}
}

/// What a run did.
public struct BackfillSummary: Sendable, Encodable {
    public var submitted = 0
    /// Left out by the filters.
    public var filtered = 0
    /// Already done: in the checkpoint, or (with `skipDone`) completed before.
    public var alreadyDone = 0
    public var failed = 0
    /// The first failures, with their reasons.
    public var failures: [String] = []
    /// Documents the source holds (from the counting pass), when counted.
    public var total: Int?
    public var seconds = 0.0
    /// True when the run was stopped before the end of its source.
    public var interrupted = false

    public var handled: Int { submitted + filtered + alreadyDone + failed }

    enum CodingKeys: String, CodingKey {
        case submitted, filtered, failed, failures, total, seconds, interrupted
        case alreadyDone = "already_done"
    }
}

/// Submits every document of a source that passes the plan's filters, at most once across
/// runs that share a checkpoint.
public struct Backfill: Sendable {
    public let source: BackfillSource
    public let plan: BackfillPlan
    public let gateway: GatewayClient
    /// What pacing, back-offs and the backlog's re-reads wait on.
    public let clock: FleetClock
    /// Set to stop: no new submission starts, those in flight finish and are recorded.
    public let stop = StopRequest()

    public init(source: BackfillSource, plan: BackfillPlan, gateway: GatewayClient, clock: FleetClock = .continuous) {
        self.source = source
        self.plan = plan
        self.gateway = gateway
        self.clock = clock
    }

    /// How one document ended.
    enum Outcome: Sendable {
        case submitted(key: String, line: String)
        case filtered
        case alreadyDone(key: String)
        case failed(String)
        /// Not submitted because the run is stopping; the next run takes it.
        case abandoned
    }

    /// Counts the documents of the source (a listing pass), for progress and ETA.
    public func count() async throws -> Int {
        let reader = try source.makeReader()
        var total = 0
        while let entry = try await reader.next() {
            if case .document = entry { total += 1 }
            if stop.isRequested { break }
        }
        return total
    }

    /// Runs to the end of the source or until `stop`; `report` gets the summary so far after
    /// each document and `print` each dry-run line.
    public func run(
        checkpoint: Checkpoint?,
        total: Int?,
        report: (BackfillSummary) -> Void = { _ in },
        print: (String) -> Void = { _ in }
    ) async throws -> BackfillSummary {
        let started = clock.now
        var summary = BackfillSummary()
        summary.total = total
        let reader = try source.makeReader()
        let pacer = Pacer(rate: plan.rate, clock: clock)
        var backlog = BacklogWatch(gateway: gateway, limit: plan.maxOutstanding, clock: clock)

        func settle(_ outcome: Outcome) throws {
            switch outcome {
            case .submitted(let key, let line):
                summary.submitted += 1
                if plan.dryRun { print(line) } else { try checkpoint?.record(key) }
            case .filtered: summary.filtered += 1
            case .alreadyDone(let key):
                summary.alreadyDone += 1
                if !plan.dryRun { try checkpoint?.record(key) }
            case .failed(let reason):
                summary.failed += 1
                if summary.failures.count < 20 { summary.failures.append(reason) }
            case .abandoned: summary.interrupted = true
            }
            summary.seconds = (clock.now - started).seconds
            report(summary)
        }

        try await withThrowingTaskGroup(of: Outcome.self) { group in
            var inFlight = 0
            while !stop.isRequested, let entry = try await reader.next() {
                let document: BackfillDocument
                switch entry {
                case .invalid(let reason):
                    try settle(.failed(reason))
                    continue
                case .document(let found): document = found
                }
                if checkpoint?.done.contains(document.key) == true {
                    try settle(.alreadyDone(key: document.key))
                    continue
                }
                if plan.filter.rejection(of: document) != nil {
                    try settle(.filtered)
                    continue
                }
                if inFlight >= plan.concurrency, let outcome = try await group.next() {
                    inFlight -= 1
                    try settle(outcome)
                }
                if !plan.dryRun {
                    await backlog.waitForRoom(unless: stop)
                    await pacer.wait()
                }
                guard !stop.isRequested else { break }
                inFlight += 1
                group.addTask { await handle(document) }
            }
            while let outcome = try await group.next() { try settle(outcome) }
        }
        if stop.isRequested { summary.interrupted = true }
        try checkpoint?.sync()
        summary.seconds = (clock.now - started).seconds
        return summary
    }

    /// Checks what needs a request (metadata, earlier results), then submits.
    func handle(_ document: BackfillDocument) async -> Outcome {
        do {
            if !plan.filter.metadata.isEmpty {
                var metadata = document.metadata
                if case .s3(let key) = document.origin, case .s3(let client, _) = source {
                    metadata = try await client.head(key)?.metadata ?? [:]
                }
                if plan.filter.rejection(ofMetadata: metadata) != nil { return .filtered }
            }
            if plan.skipDone, try await isDone(document) { return .alreadyDone(key: document.key) }
            if plan.dryRun { return .submitted(key: document.key, line: "\(document.jobID)  \(document.key)") }
            return try await submit(document)
        } catch {
            return .failed("\(document.key): \(error)")
        }
    }

    func isDone(_ document: BackfillDocument) async throws -> Bool {
        if try await gateway.stateIfKnown(document.jobID)?.state == .completed { return true }
        if case .s3(let key) = document.origin, case .s3(let client, _) = source, document.resultURL == nil {
            return try await client.head(Self.resultKey(of: key)) != nil
        }
        return false
    }

    /// Results of S3 documents go beside them: `scans/a.pdf` → `scans/a.pdf.md`.
    static func resultKey(of key: String) -> String { key + ".md" }

    /// Submits with retries: a gateway that is busy (429, 503) is waited for as it asks, one
    /// that cannot be reached is retried with a growing wait; a refusal is a failure.
    func submit(_ document: BackfillDocument) async throws -> Outcome {
        var wait = Duration.seconds(1)
        for attempt in 1... {
            do {
                _ = try await send(document)
                return .submitted(key: document.key, line: document.key)
            } catch let failure as GatewayError where failure.code == "job_exists" {
                // The document's id is taken by an earlier run's submission of it (with URLs
                // presigned then): that job is the document's, whatever became of it.
                return .alreadyDone(key: document.key)
            } catch let failure as GatewayError {
                let busy = failure.status == 429 || failure.status == 503
                guard busy || failure.status == nil, attempt < 30 else {
                    return .failed("\(document.key): \(failure.description)")
                }
                let pause = busy ? (failure.retryAfter ?? wait) : wait
                wait = min(wait * 2, .seconds(30))
                if await !stop.sleep(for: pause, on: clock) { return .abandoned }
            }
        }
        return .abandoned
    }

    func send(_ document: BackfillDocument) async throws -> Components.Schemas.Accepted {
        let sourceURL: String
        let result: Components.Schemas.ResultTarget?
        switch document.origin {
        case .file(let path):
            return try await gateway.submit(file: path, jobID: document.jobID, options: plan.options)
        case .url(let url):
            sourceURL = url
            result = document.resultURL.map { .init(url: $0) }
        case .s3(let key):
            guard case .s3(let client, _) = source else { throw BackfillError("an S3 document outside an S3 source") }
            sourceURL = client.bucket.presignedURL(.get, key: key, lifetime: plan.urlLifetime)
            result = .init(url: client.bucket.presignedURL(.put, key: Self.resultKey(of: key), lifetime: plan.urlLifetime))
        }
        let submission = Components.Schemas.Submission(
            jobId: document.jobID,
            source: .init(
                url: sourceURL,
                contentType: document.contentType,
                filename: (document.key as NSString).lastPathComponent,
                size: document.size
            ),
            result: result,
            options: plan.options,
            metadata: .init(additionalProperties: document.metadata.merging(["backfill_key": document.key]) { _, key in key })
        )
        return try await gateway.submit(submission)
    }
}

/// A request to stop, settable from a signal handler's task and waited on by sleeps.
public final class StopRequest: Sendable {
    private let requested = Atomic<Bool>(false)

    public init() {}

    public var isRequested: Bool { requested.load(ordering: .acquiring) }

    public func request() { requested.store(true, ordering: .releasing) }

    /// Sleeps for `duration` on `clock` in short steps; false when a stop came first.
    func sleep(for duration: Duration, on clock: FleetClock) async -> Bool {
        let deadline = clock.now + duration
        while clock.now < deadline {
            if isRequested { return false }
            try? await clock.sleep(until: min(clock.now + .milliseconds(100), deadline))
        }
        return !isRequested
    }
}

/// Spaces submissions `1/rate` apart (no bursts: a backfill should be a steady load).
final class Pacer: Sendable {
    private let interval: Duration?
    private let clock: FleetClock
    private let next: Mutex<FleetClock.Instant>

    init(rate: Double?, clock: FleetClock) {
        interval = rate.flatMap { $0 > 0 ? Duration.seconds(1 / $0) : nil }
        self.clock = clock
        next = Mutex(clock.now)
    }

    func wait() async {
        guard let interval else { return }
        let now = clock.now
        let slot = next.withLock { next in
            let slot = max(next, now)
            next = slot + interval
            return slot
        }
        try? await clock.sleep(until: slot)
    }
}

/// Keeps the queue under the plan's cap, reading its depth from the gateway at most once a second.
struct BacklogWatch {
    let gateway: GatewayClient
    let limit: Int
    let clock: FleetClock
    private var lastRead: (jobs: Int, at: FleetClock.Instant)?
    private var sentSinceRead = 0

    init(gateway: GatewayClient, limit: Int, clock: FleetClock) {
        self.gateway = gateway
        self.limit = limit
        self.clock = clock
    }

    /// Returns when the queue (as last read, plus what was sent since) is under the cap. A
    /// gateway that cannot say leaves the cap to its own 503s.
    mutating func waitForRoom(unless stop: StopRequest) async {
        guard limit > 0 else { return }
        while !stop.isRequested {
            if lastRead == nil || clock.now - lastRead!.at > .seconds(1) {
                guard let queue = try? await gateway.queue() else { return }
                lastRead = (queue.jobs, clock.now)
                sentSinceRead = 0
            }
            if lastRead!.jobs + sentSinceRead < limit {
                sentSinceRead += 1
                return
            }
            _ = await stop.sleep(for: .milliseconds(500), on: clock)
            lastRead = nil
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
