/// Wire names fixed by the contract (docs/events.md).
public enum Subjects {
    /// Jobs of publishers that name no lane (the first contract's subject): workers take
    /// them as interactive, and hand one that needs a GPU to its GPU route.
    public static let jobs = "ocr.jobs"
    /// Every route's subject (`JobRoute`), to listen to or count them together.
    public static let jobsWildcard = "ocr.jobs.>"
    /// `ocr.jobs.tenant`: above each tenant's routes (`JobRoute.subject(tenant:)`).
    public static let tenantJobsPrefix = "ocr.jobs.tenant"
    /// Every tenant's jobs on every route.
    public static let tenantJobsWildcard = "ocr.jobs.tenant.>"
    /// One tenant's jobs on every route.
    public static func tenantJobs(tenant: String) -> String { "\(tenantJobsPrefix).\(tenant).>" }
    public static let eventsWildcard = "ocr.events.>"
    public static let deadLetters = "ocr.dlq"

    /// `ocr.cancel.<job_id>`: core NATS (not stored); tells the worker running the job to
    /// stop it. The request itself is kept in KV, so a job still queued is skipped later.
    public static func cancel(jobID: String) -> String { "ocr.cancel.\(jobID)" }
    public static let cancelWildcard = "ocr.cancel.*"

    /// JetStream's advisories for a job one of the job consumers will not deliver again.
    public static let maxDeliveriesAdvisory = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.OCR_JOBS.*"

    /// `ocr.events.<kind>.<job_id>`.
    public static func event(_ kind: EventKind, jobID: String) -> String {
        "ocr.events.\(kind.rawValue).\(jobID)"
    }

    /// Every event of one job.
    public static func events(jobID: String) -> String { "ocr.events.*.\(jobID)" }

    /// `ocr.reviews.<tenant>`: a tenant's lane of review items waiting for a reviewer.
    public static func reviews(tenant: String) -> String { "ocr.reviews.\(tenant)" }
    public static let reviewsWildcard = "ocr.reviews.*"
    /// `ocr.review.audit.<tenant>.<job_id>`: a job's review audit trail, a subject of its own
    /// so that one job's trail is read without the tenant's others.
    public static func reviewAudit(tenant: String, jobID: String) -> String { "ocr.review.audit.\(tenant).\(jobID)" }
    /// Every job's trail of a tenant.
    public static func reviewAudit(tenant: String) -> String { "ocr.review.audit.\(tenant).>" }
    public static let reviewAuditWildcard = "ocr.review.audit.>"
    /// `ocr.review.corrections.<tenant>.<label key>`: a tenant's corrections of one label's
    /// fields (the key: the label's SHA-256, 16 lower-case hex digits, or `none`).
    public static func reviewCorrections(tenant: String, labelKey: String) -> String {
        "ocr.review.corrections.\(tenant).\(labelKey)"
    }
    /// Every label's corrections of a tenant.
    public static func reviewCorrections(tenant: String) -> String { "ocr.review.corrections.\(tenant).*" }
    public static let reviewCorrectionsWildcard = "ocr.review.corrections.*.*"

    /// `ocr.cache.<scope>.<key>.<job_id>.entry`: what a job's cached results are
    /// (docs/storage.md#result-cache); its files' parts are `….<job_id>.<file>.<part>`.
    public static func cacheEntry(scope: String, key: String, jobID: String) -> String {
        "ocr.cache.\(scope).\(key).\(jobID).entry"
    }
    public static func cachePart(scope: String, key: String, jobID: String, file: String, part: Int) -> String {
        "ocr.cache.\(scope).\(key).\(jobID).\(file).\(part)"
    }
    /// The entries of every job cached under one key; the newest is the one reused.
    public static func cacheEntries(scope: String, key: String) -> String { "ocr.cache.\(scope).\(key).*.entry" }
    /// Everything cached of one job, whatever its scope and key.
    public static func cached(jobID: String) -> String { "ocr.cache.*.*.\(jobID).>" }
    public static let cacheWildcard = "ocr.cache.>"
}

public enum StreamNames {
    public static let jobs = "OCR_JOBS"
    public static let events = "OCR_EVENTS"
    public static let deadLetters = "OCR_DLQ"
    /// The interactive lane's consumer (`JobRoute`).
    public static let workerConsumer = "ocr-workers"
    /// The consumer of `ocr.jobs`, jobs whose publisher named no lane.
    public static let unroutedConsumer = "ocr-unrouted"
    /// The gateways' durable consumer of `OCR_EVENTS`, from which they deliver webhooks.
    public static let webhookConsumer = "ocr-webhooks"
    /// Keeps the job consumers' max-deliveries advisories until a worker has handled each.
    public static let advisories = "OCR_ADVISORIES"
    /// The workers' durable consumer of `OCR_ADVISORIES`: each advisory goes to one worker.
    public static let advisoryConsumer = "ocr-advisories"
    public static let jobStateBucket = "ocr-jobs"
    /// Review items waiting for a reviewer, one work-queue lane per tenant.
    public static let reviews = "OCR_REVIEWS"
    /// A tenant's pull consumer of `OCR_REVIEWS`: `review-<tenant>`.
    public static func reviewConsumer(tenant: String) -> String { "review-\(tenant)" }
    public static let reviewAudit = "OCR_REVIEW_AUDIT"
    public static let reviewCorrections = "OCR_REVIEW_CORRECTIONS"
    /// Items (`item.<id>`), cases (`job.<job_id>`) and extraction documents (`doc.<job_id>.<k>`).
    public static let reviewBucket = "ocr-reviews"
    /// Items' PNG crops, under the item's id.
    public static let reviewCropBucket = "ocr-review-crops"
    /// Results kept for reuse by jobs with the same source bytes and options.
    public static let cache = "OCR_CACHE"
}

public enum EventTypes {
    public static let jobRequested = "ocrfleet.job.requested"
    public static let deadLettered = "ocrfleet.job.deadlettered"
    public static func lifecycle(_ kind: EventKind) -> String { "ocrfleet.job.\(kind.rawValue)" }
}

public enum EventKind: String, Codable, Sendable, CaseIterable {
    case started, progress, completed, failed, cancelled
    /// A completed job's review finished (docs/review.md); not an end of the job.
    case reviewed
}
