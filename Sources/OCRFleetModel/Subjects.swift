/// Wire names fixed by the contract (docs/events.md).
public enum Subjects {
    public static let jobs = "ocr.jobs"
    public static let jobsWildcard = "ocr.jobs.>"
    public static let eventsWildcard = "ocr.events.>"
    public static let deadLetters = "ocr.dlq"

    /// `ocr.cancel.<job_id>`: core NATS (not stored); tells the worker running the job to
    /// stop it. The request itself is kept in KV, so a job still queued is skipped later.
    public static func cancel(jobID: String) -> String { "ocr.cancel.\(jobID)" }
    public static let cancelWildcard = "ocr.cancel.*"

    /// JetStream's advisory for a job the `ocr-workers` consumer will not deliver again.
    public static let maxDeliveriesAdvisory = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.OCR_JOBS.ocr-workers"

    /// `ocr.events.<kind>.<job_id>`.
    public static func event(_ kind: EventKind, jobID: String) -> String {
        "ocr.events.\(kind.rawValue).\(jobID)"
    }

    /// Every event of one job.
    public static func events(jobID: String) -> String { "ocr.events.*.\(jobID)" }
}

public enum StreamNames {
    public static let jobs = "OCR_JOBS"
    public static let events = "OCR_EVENTS"
    public static let deadLetters = "OCR_DLQ"
    public static let workerConsumer = "ocr-workers"
    /// The gateways' durable consumer of `OCR_EVENTS`, from which they deliver webhooks.
    public static let webhookConsumer = "ocr-webhooks"
    /// Keeps the max-deliveries advisories of `ocr-workers` until a worker has handled each.
    public static let advisories = "OCR_ADVISORIES"
    /// The workers' durable consumer of `OCR_ADVISORIES`: each advisory goes to one worker.
    public static let advisoryConsumer = "ocr-advisories"
    public static let jobStateBucket = "ocr-jobs"
}

public enum EventTypes {
    public static let jobRequested = "ocrfleet.job.requested"
    public static let deadLettered = "ocrfleet.job.deadlettered"
    public static func lifecycle(_ kind: EventKind) -> String { "ocrfleet.job.\(kind.rawValue)" }
}

public enum EventKind: String, Codable, Sendable, CaseIterable {
    case started, progress, completed, failed, cancelled
}
