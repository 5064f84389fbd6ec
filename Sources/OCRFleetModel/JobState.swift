import Foundation

/// The value stored under a job's id in the `ocr-jobs` KV bucket.
public struct JobState: Codable, Sendable, Equatable {
    public enum Phase: String, Codable, Sendable, CaseIterable {
        case queued, running, retrying, completed, failed, cancelled
        /// What stays of a purged job (docs/storage.md#purging-a-job): its id, taken, so that
        /// a late redelivery is settled without running and the id is not reused while the
        /// streams' duplicate windows could drop the new job's messages.
        case purged

        public var isTerminal: Bool { self == .completed || self == .failed || self == .cancelled || self == .purged }
    }

    public var jobID: String
    public var state: Phase
    public var attempts: Int
    public var createdAt: Date?
    public var updatedAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var pagesDone: Int?
    public var pagesTotal: Int?
    public var format: String?
    public var engine: String?
    public var worker: String?
    public var result: ResultSummary?
    public var error: ErrorBody?
    /// Attempts that failed through the job itself (`OCR_MAX_DELIVER` bounds them); attempts
    /// whose worker vanished are not counted here.
    public var failedAttempts: Int?
    /// The `completed` event's data, once the job completed: what a worker that finds the
    /// job completed but unannounced publishes.
    public var completion: JobCompleted?
    /// With `options.review`: the review as the job ended.
    public var review: JobReviewStatus?
    public var metadata: [String: String]?

    public init(jobID: String, state: Phase, attempts: Int = 0, updatedAt: Date = Date()) {
        self.jobID = jobID
        self.state = state
        self.attempts = attempts
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case state, attempts, format, engine, worker, result, error, completion, review, metadata
        case failedAttempts = "failed_attempts"
        case jobID = "job_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case pagesDone = "pages_done"
        case pagesTotal = "pages_total"
    }
}
