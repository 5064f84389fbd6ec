import Foundation

/// Fields every lifecycle event's `data` carries.
public struct EventHeader: Codable, Sendable, Equatable {
    public var jobID: String
    public var attempt: Int
    public var worker: String

    public init(jobID: String, attempt: Int, worker: String) {
        self.jobID = jobID
        self.attempt = attempt
        self.worker = worker
    }

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id"
        case attempt, worker
    }
}

public struct JobStarted: Codable, Sendable, Equatable {
    public var format: String?
    public var pagesTotal: Int?
    public var engine: String

    public init(format: String?, pagesTotal: Int?, engine: String) {
        self.format = format
        self.pagesTotal = pagesTotal
        self.engine = engine
    }

    enum CodingKeys: String, CodingKey {
        case format, engine
        case pagesTotal = "pages_total"
    }
}

public struct JobProgress: Codable, Sendable, Equatable {
    public var pagesDone: Int
    public var pagesTotal: Int
    /// The stage after recognition that starts now (`chunk`, `classify`, `split`, `extract`);
    /// nil for pages done.
    public var stage: String?

    public init(pagesDone: Int, pagesTotal: Int, stage: String? = nil) {
        self.pagesDone = pagesDone
        self.pagesTotal = pagesTotal
        self.stage = stage
    }

    enum CodingKeys: String, CodingKey {
        case stage
        case pagesDone = "pages_done"
        case pagesTotal = "pages_total"
    }
}

public struct ResultSummary: Codable, Sendable, Equatable {
    /// The result URL without its query string, so no signature leaks into events.
    public var url: String
    public var bytes: Int
    public var sha256: String

    public init(url: String, bytes: Int, sha256: String) {
        self.url = url
        self.bytes = bytes
        self.sha256 = sha256
    }
}

/// Where a job's `chunks.jsonl` went and what it holds.
public struct ChunksSummary: Codable, Sendable, Equatable {
    /// `result.chunks_url` without its query string.
    public var url: String
    public var bytes: Int
    /// Chunks in the file, one a line.
    public var count: Int
    public var sha256: String

    public init(url: String, bytes: Int, count: Int, sha256: String) {
        self.url = url
        self.bytes = bytes
        self.count = count
        self.sha256 = sha256
    }
}

/// Where a job's `extraction.json` went, and what it says in brief.
public struct ExtractionSummary: Codable, Sendable, Equatable {
    /// `result.extraction_url` without its query string.
    public var url: String
    public var bytes: Int
    public var sha256: String
    /// The document's label, with `options.classify`.
    public var label: String?
    public var labelConfidence: Double?
    /// Sections found, with `options.split`.
    public var sections: Int?
    /// With `options.extract`: fields with a value, fields in all, and the lowest confidence
    /// of a filled field (over every section's, with `extract_each`).
    public var fieldsFilled: Int?
    public var fieldsTotal: Int?
    public var lowestConfidence: Double?
    /// The stages that failed (`classify`, `extract`), each with its code; the others' results stand.
    public var failed: [FailedStage]

    public init(
        url: String,
        bytes: Int,
        sha256: String,
        label: String? = nil,
        labelConfidence: Double? = nil,
        sections: Int? = nil,
        fieldsFilled: Int? = nil,
        fieldsTotal: Int? = nil,
        lowestConfidence: Double? = nil,
        failed: [FailedStage] = []
    ) {
        self.url = url
        self.bytes = bytes
        self.sha256 = sha256
        self.label = label
        self.labelConfidence = labelConfidence
        self.sections = sections
        self.fieldsFilled = fieldsFilled
        self.fieldsTotal = fieldsTotal
        self.lowestConfidence = lowestConfidence
        self.failed = failed
    }

    enum CodingKeys: String, CodingKey {
        case url, bytes, sha256, label, sections, failed
        case labelConfidence = "label_confidence"
        case fieldsFilled = "fields_filled"
        case fieldsTotal = "fields_total"
        case lowestConfidence = "lowest_confidence"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        url = try c.decode(String.self, forKey: .url)
        bytes = try c.decode(Int.self, forKey: .bytes)
        sha256 = try c.decode(String.self, forKey: .sha256)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        labelConfidence = try c.decodeIfPresent(Double.self, forKey: .labelConfidence)
        sections = try c.decodeIfPresent(Int.self, forKey: .sections)
        fieldsFilled = try c.decodeIfPresent(Int.self, forKey: .fieldsFilled)
        fieldsTotal = try c.decodeIfPresent(Int.self, forKey: .fieldsTotal)
        lowestConfidence = try c.decodeIfPresent(Double.self, forKey: .lowestConfidence)
        failed = try c.decodeIfPresent([FailedStage].self, forKey: .failed) ?? []
    }
}

/// A stage after recognition that gave no result; the job completed without it.
public struct FailedStage: Codable, Sendable, Equatable {
    public var stage: String
    public var code: ErrorCode
    public var message: String

    public init(stage: String, code: ErrorCode, message: String) {
        self.stage = stage
        self.code = code
        self.message = message
    }

    public init(stage: String, _ error: StageError) {
        self.init(stage: stage, code: error.code, message: error.message)
    }
}

public struct PageUsage: Codable, Sendable, Equatable {
    public var pagesOCR: Int
    public var pagesText: Int

    public init(pagesOCR: Int, pagesText: Int) {
        self.pagesOCR = pagesOCR
        self.pagesText = pagesText
    }

    enum CodingKeys: String, CodingKey {
        case pagesOCR = "pages_ocr"
        case pagesText = "pages_text"
    }
}

public struct JobCompleted: Codable, Sendable, Equatable {
    public var result: ResultSummary
    public var pages: Int
    public var pagesFailed: [Int]
    /// Pages whose text is known to be incomplete (the engine's answer was cut off even
    /// after a retry with a larger budget); their markdown says so.
    public var pagesIncomplete: [Int]
    public var engine: String
    public var durationMs: Int
    public var timingsMs: [String: Int]
    public var usage: PageUsage
    /// Where the per-page layout (blocks with boxes) was uploaded, without query string;
    /// present when the job gave `result.layout_url` and the engine reported blocks.
    public var layout: String?
    /// The engine's mean word confidence of each page it reported one for (Tesseract's
    /// pages with words), in page order.
    public var pageConfidence: [PageConfidence]
    /// Pages whose confidence is under the worker's `OCR_LOW_CONFIDENCE`; their markdown
    /// says so.
    public var pagesLowConfidence: [Int]
    /// The job's `chunks.jsonl`, present when it asked for `options.chunk`.
    public var chunks: ChunksSummary?
    /// The job's `extraction.json`, present when it asked for `classify`, `split` or `extract`.
    public var extraction: ExtractionSummary?
    /// With `options.review`: whether values wait for people (docs/review.md).
    public var review: ReviewSummary?
    /// True when the results are an earlier job's, reused from the result cache
    /// (docs/storage.md#result-cache); absent otherwise.
    public var cached: Bool?

    public init(
        result: ResultSummary,
        pages: Int,
        pagesFailed: [Int],
        pagesIncomplete: [Int] = [],
        engine: String,
        durationMs: Int,
        timingsMs: [String: Int],
        usage: PageUsage,
        layout: String? = nil,
        pageConfidence: [PageConfidence] = [],
        pagesLowConfidence: [Int] = [],
        chunks: ChunksSummary? = nil,
        extraction: ExtractionSummary? = nil,
        review: ReviewSummary? = nil
    ) {
        self.result = result
        self.pages = pages
        self.pagesFailed = pagesFailed
        self.pagesIncomplete = pagesIncomplete
        self.layout = layout
        self.engine = engine
        self.durationMs = durationMs
        self.timingsMs = timingsMs
        self.usage = usage
        self.pageConfidence = pageConfidence
        self.pagesLowConfidence = pagesLowConfidence
        self.chunks = chunks
        self.extraction = extraction
        self.review = review
    }

    enum CodingKeys: String, CodingKey {
        case result, pages, engine, usage, layout, chunks, extraction, review, cached
        case pagesFailed = "pages_failed"
        case pagesIncomplete = "pages_incomplete"
        case pageConfidence = "page_confidence"
        case pagesLowConfidence = "pages_low_confidence"
        case durationMs = "duration_ms"
        case timingsMs = "timings_ms"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        result = try container.decode(ResultSummary.self, forKey: .result)
        pages = try container.decode(Int.self, forKey: .pages)
        pagesFailed = try container.decode([Int].self, forKey: .pagesFailed)
        pagesIncomplete = try container.decodeIfPresent([Int].self, forKey: .pagesIncomplete) ?? []
        engine = try container.decode(String.self, forKey: .engine)
        durationMs = try container.decode(Int.self, forKey: .durationMs)
        timingsMs = try container.decode([String: Int].self, forKey: .timingsMs)
        usage = try container.decode(PageUsage.self, forKey: .usage)
        layout = try container.decodeIfPresent(String.self, forKey: .layout)
        pageConfidence = try container.decodeIfPresent([PageConfidence].self, forKey: .pageConfidence) ?? []
        pagesLowConfidence = try container.decodeIfPresent([Int].self, forKey: .pagesLowConfidence) ?? []
        chunks = try container.decodeIfPresent(ChunksSummary.self, forKey: .chunks)
        extraction = try container.decodeIfPresent(ExtractionSummary.self, forKey: .extraction)
        review = try container.decodeIfPresent(ReviewSummary.self, forKey: .review)
        cached = try container.decodeIfPresent(Bool.self, forKey: .cached)
    }
}

/// A page's mean word confidence as the engine reported it, 0-100.
public struct PageConfidence: Codable, Sendable, Equatable {
    public var page: Int
    public var confidence: Double

    public init(page: Int, confidence: Double) {
        self.page = page
        self.confidence = confidence
    }
}

public struct ErrorBody: Codable, Sendable, Equatable {
    public var code: ErrorCode
    public var message: String
    public var retryable: Bool

    public init(_ error: OCRError) {
        code = error.code
        message = error.message
        retryable = error.code.isRetryable
    }
}

public struct JobFailed: Codable, Sendable, Equatable {
    public var error: ErrorBody
    public var willRetry: Bool

    public init(error: ErrorBody, willRetry: Bool) {
        self.error = error
        self.willRetry = willRetry
    }

    enum CodingKeys: String, CodingKey {
        case error
        case willRetry = "will_retry"
    }
}

/// The `data` of a lifecycle event: the common header and the kind's own fields, flat
/// in one JSON object as the contract shows them.
public struct LifecycleData: Codable, Sendable, Equatable {
    public enum Body: Sendable, Equatable {
        case started(JobStarted)
        case progress(JobProgress)
        case completed(JobCompleted)
        case failed(JobFailed)
        case cancelled
        /// After `completed`: the review finished; not an end of the job.
        case reviewed(JobReviewed)

        public var kind: EventKind {
            switch self {
            case .started: .started
            case .progress: .progress
            case .completed: .completed
            case .failed: .failed
            case .cancelled: .cancelled
            case .reviewed: .reviewed
            }
        }

        /// The job's last event: `completed`, `cancelled`, or `failed` without a retry.
        public var endsJob: Bool {
            switch self {
            case .completed, .cancelled: true
            case .failed(let failed): !failed.willRetry
            case .started, .progress, .reviewed: false
            }
        }
    }

    public var header: EventHeader
    public var body: Body

    public init(header: EventHeader, body: Body) {
        self.header = header
        self.body = body
    }

    public func encode(to encoder: any Encoder) throws {
        try header.encode(to: encoder)
        switch body {
        case .started(let value): try value.encode(to: encoder)
        case .progress(let value): try value.encode(to: encoder)
        case .completed(let value): try value.encode(to: encoder)
        case .failed(let value): try value.encode(to: encoder)
        case .cancelled: break
        case .reviewed(let value): try value.encode(to: encoder)
        }
    }

    /// Decoding needs the kind, which lives in the envelope's `type`: see `LifecycleEvent`.
    public init(from decoder: any Decoder) throws {
        let kind = decoder.userInfo[LifecycleData.kindKey] as? EventKind
        header = try EventHeader(from: decoder)
        switch kind {
        case .started: body = .started(try JobStarted(from: decoder))
        case .progress: body = .progress(try JobProgress(from: decoder))
        case .completed: body = .completed(try JobCompleted(from: decoder))
        case .failed: body = .failed(try JobFailed(from: decoder))
        case .cancelled: body = .cancelled
        case .reviewed: body = .reviewed(try JobReviewed(from: decoder))
        case nil:
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "event kind unknown"))
        }
    }

    static let kindKey = CodingUserInfoKey(rawValue: "ocrfleet.eventKind")!
}

public typealias LifecycleEvent = CloudEvent<LifecycleData>

extension CloudEvent where Payload == LifecycleData {
    /// A lifecycle event. A terminal one gets `terminalID`, so every publish of it (a retry,
    /// another worker, a redelivery) has the same id, as does a `reviewed` one
    /// (`<job_id>.reviewed.v<N>`); other events get fresh ids.
    public static func lifecycle(_ data: LifecycleData, source: String, finishedAt: Date? = nil) -> LifecycleEvent {
        let kind = data.body.kind
        let id =
            if case .reviewed(let reviewed) = data.body {
                "\(data.header.jobID).reviewed.v\(reviewed.version)"
            } else if data.body.endsJob, let finishedAt = finishedAt ?? (kind == .completed ? Date() : nil) {
                terminalID(jobID: data.header.jobID, kind: kind, finishedAt: finishedAt)
            } else {
                UUID().uuidString.lowercased()
            }
        return LifecycleEvent(
            id: id,
            source: source,
            type: EventTypes.lifecycle(kind),
            subject: data.header.jobID,
            data: data
        )
    }

    /// The id of a job's terminal event: `<job_id>.completed` (a job completes once), or
    /// `<job_id>.<failed|cancelled>.<finished_at in ms>` (a replayed or resubmitted job can
    /// fail or be cancelled again, and that end needs an id of its own). `finishedAt` is the
    /// one recorded in the job's state, so every worker that announces the end names it alike.
    public static func terminalID(jobID: String, kind: EventKind, finishedAt: Date) -> String {
        if kind == .completed { return "\(jobID).completed" }
        let recorded = Timestamp.parse(Timestamp.format(finishedAt)) ?? finishedAt
        return "\(jobID).\(kind.rawValue).\(Int((recorded.timeIntervalSince1970 * 1000).rounded()))"
    }

    public var kind: EventKind { data.body.kind }

    /// Decodes a lifecycle event; the kind is read from `type` first.
    public static func decode(_ bytes: [UInt8]) throws -> LifecycleEvent {
        let raw = Data(bytes)
        let decoder = CloudEventCoding.decoder()
        let type = try decoder.decode(EventTypeOnly.self, from: raw).type
        guard type.hasPrefix("ocrfleet.job."), let kind = EventKind(rawValue: String(type.dropFirst(13))) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not a lifecycle event: \(type)"))
        }
        decoder.userInfo[LifecycleData.kindKey] = kind
        return try decoder.decode(LifecycleEvent.self, from: raw)
    }
}

private struct EventTypeOnly: Decodable { var type: String }

extension CloudEvent where Payload == LifecycleData {
    /// The same event told about the job under another id (a gateway tenant's own name for
    /// it): in `subject`, the data's `job_id`, and an id derived from the job's.
    public func renamingJob(to jobID: String) -> LifecycleEvent {
        var event = self
        let old = data.header.jobID
        event.data.header.jobID = jobID
        if subject == old { event.subject = jobID }
        if id.hasPrefix("\(old).") { event.id = jobID + id.dropFirst(old.count) }
        return event
    }
}
