import Crypto
import Foundation
import Logging
import OCRFleetBus
import OCRFleetContent
import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetMetrics
import OCRFleetModel

/// The result cache as a job sees it (docs/storage.md#result-cache): after the download, a
/// job of a tenant that opted in looks for an earlier job's results for the same bytes, the
/// same options and the same engine and models, and uploads those instead of running; a job
/// that ran keeps its results for the next. The cache never fails a job: a lookup or store
/// the bus refuses is logged, and the job runs or ends as it would without one.
struct ResultReuse: Sendable {
    let cache: ResultCache
    let tenants: CacheTenants
    /// The models whose answers the results are made of, part of every key.
    let deepSeekModel: String?
    let languageModel: String?
    let content: ContentClient

    /// Bumped when the same inputs make other results (a new markdown writer, a new layout).
    static let resultsVersion = 1
    /// Results larger than this together are not kept.
    static let maxCachedBytes = 64 << 20

    /// Where a job's results are kept: its tenant's scope and the key of its inputs.
    struct Place: Sendable, Equatable {
        let scope: String
        let key: String
    }

    /// The place of a job delivered on `subject` whose source is `source`, to be recognised by
    /// `engine`; nil when its tenant did not opt in, or it asks for review (each job's review
    /// items are people's work of its own, not to be skipped).
    func place(of job: JobRequest, subject: String, sourceSHA256: String, engine: String) -> Place? {
        guard job.options.review == nil, let scope = tenants.scope(ofSubject: subject) else { return nil }
        // Neither the lane nor the time limit changes the results.
        var options = job.options
        options.priority = .interactive
        options.timeoutSeconds = nil
        let analyses = options.classify != nil || options.extract != nil
        let inputs = KeyInputs(
            version: Self.resultsVersion,
            source: sourceSHA256,
            engine: engine,
            deepSeekModel: engine == "deepseek" ? deepSeekModel : nil,
            languageModel: analyses ? languageModel : nil,
            options: options
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let json = try? encoder.encode(inputs) else { return nil }
        return Place(scope: scope, key: SHA256.hash(data: json).hexString)
    }

    /// The results kept at `place`, nil for none (or when the cache cannot be read).
    func lookup(_ place: Place, logger: Logger) async -> CachedResult? {
        do {
            let found = try await cache.lookup(scope: place.scope, key: place.key)
            FleetMetrics.cacheLookup(found == nil ? "miss" : "hit")
            return found
        } catch {
            FleetMetrics.cacheLookup("error")
            logger.warning("cannot read the result cache; the job runs", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Uploads `hit`'s files to the job's own URLs, announcing the start first as a run would;
    /// returns its `completed` event: the earlier job's, with this job's URLs, no pages
    /// recognised and `cached: true`.
    func serve(_ hit: CachedResult, work: inout JobWork, began: ContinuousClock.Instant) async throws -> JobCompleted {
        let served = ContinuousClock.now
        var completion = hit.entry.completion
        let (format, engine, pages) = (hit.entry.format, completion.engine, completion.pages)
        try await work.reporter.updateState { state in
            state.state = .running
            state.startedAt = Date()
            state.format = format
            state.engine = engine
            state.pagesTotal = pages
            state.pagesDone = 0
            state.error = nil
        }
        try await work.reporter.publish(.started(JobStarted(format: format, pagesTotal: pages, engine: engine)))

        let result = work.job.result
        let markdown = hit.files[File.markdown] ?? []
        try await content.upload(markdown, to: result.url, contentType: result.contentType ?? "text/markdown; charset=utf-8")
        completion.result.url = JobRunner.withoutQuery(result.url)
        completion.layout = nil
        if let url = result.layoutURL, let layout = hit.files[File.layout] {
            try await content.upload(layout, to: url, contentType: "application/json", what: "layout")
            completion.layout = JobRunner.withoutQuery(url)
        }
        if let url = result.chunksURL, let chunks = hit.files[File.chunks] {
            try await content.upload(chunks, to: url, contentType: "application/jsonl", what: "chunks")
            completion.chunks?.url = JobRunner.withoutQuery(url)
        } else {
            completion.chunks = nil
        }
        if let url = result.extractionURL, let extraction = hit.files[File.extraction] {
            try await content.upload(extraction, to: url, contentType: "application/json", what: "extraction")
            completion.extraction?.url = JobRunner.withoutQuery(url)
        } else {
            completion.extraction = nil
        }
        FleetMetrics.uploaded(bytes: markdown.count)
        work.timings["cache"] = Int((ContinuousClock.now - served).milliseconds)
        completion.timingsMs = work.timings
        completion.durationMs = Int((ContinuousClock.now - began).milliseconds)
        completion.usage = PageUsage(pagesOCR: 0, pagesText: 0)
        completion.cached = true
        return completion
    }

    /// Keeps a job's results at `place` when they are whole: every page read, nothing cut
    /// off, no stage failed. What is kept is what a later job needs whatever URLs it gives,
    /// so the layout is kept even when this job asked for none.
    func keep(_ work: JobWork, completion: JobCompleted, at place: Place) async {
        guard completion.pagesFailed.isEmpty, completion.pagesIncomplete.isEmpty,
            completion.extraction?.failed.isEmpty ?? true, let format = work.format
        else { return }
        var files = [File.markdown: work.markdown]
        if work.pages.contains(where: { !$0.blocks.isEmpty }) {
            files[File.layout] = PageLayout.document(pages: work.pages, numbers: work.pageNumbers)
        }
        files[File.chunks] = work.chunks?.lines
        files[File.extraction] = work.extractionJSON
        guard files.values.map(\.count).reduce(0, +) <= Self.maxCachedBytes else { return }
        var kept = completion
        kept.timingsMs = [:]
        let entry = CachedResult.Entry(jobID: work.job.jobID, format: format.rawValue, completion: kept)
        do {
            try await cache.store(entry, files: files, scope: place.scope, key: place.key)
        } catch {
            work.logger.warning("cannot keep the job's results in the cache", metadata: ["error": "\(error)"])
        }
    }

    /// The files a cached result may hold, by the name each is kept under.
    enum File {
        static let markdown = "markdown"
        static let layout = "layout"
        static let chunks = "chunks"
        static let extraction = "extraction"
    }

    /// What makes two jobs' results the same; its SHA-256 is the key.
    private struct KeyInputs: Encodable {
        let version: Int
        let source: String
        let engine: String
        let deepSeekModel: String?
        let languageModel: String?
        let options: JobOptions
    }
}
