import Metrics

/// Every metric the fleet records, the worker's and the gateway's, named once here so that a
/// name always carries the same labels (Prometheus requires it) and follows its conventions
/// (`_total`, `_seconds`, `_bytes`). docs/operations.md and docs/api.md list them.
public enum FleetMetrics {
    // MARK: Worker

    /// A job that reached a terminal state on this worker: `completed`, `failed` (with its
    /// code) or `cancelled`, and how long its last attempt took.
    public static func jobEnded(state: String, code: String = "", duration: Duration) {
        Counter(label: "ocrfleet_worker_jobs_total", dimensions: [("state", state), ("code", code)]).increment()
        Metrics.Timer(label: "ocrfleet_worker_job_duration_seconds", dimensions: [("state", state)])
            .record(duration: duration)
    }

    /// An attempt that failed and will be retried.
    public static func attemptRetried(code: String) {
        Counter(label: "ocrfleet_worker_retries_total", dimensions: [("code", code)]).increment()
    }

    /// One stage of a job: `download`, `convert`, `recognize`, `upload`.
    public static func stage(_ stage: String, took duration: Duration) {
        Metrics.Timer(label: "ocrfleet_worker_stage_duration_seconds", dimensions: [("stage", stage)])
            .record(duration: duration)
    }

    /// Pages written, by the engine that read them (`text_layer` when none did) and the job's mode.
    public static func pages(_ count: Int, engine: String, mode: String) {
        guard count > 0 else { return }
        Counter(label: "ocrfleet_worker_pages_total", dimensions: [("engine", engine), ("mode", mode)])
            .increment(by: count)
    }

    public static func downloaded(bytes: Int) {
        Counter(label: "ocrfleet_worker_download_bytes_total").increment(by: bytes)
    }

    /// `ocrfleet_worker_cache_lookups_total{result}`: `hit`, `miss`, or `error` (the cache could
    /// not be read, and the job ran as a miss).
    public static func cacheLookup(_ result: String) {
        Counter(label: "ocrfleet_worker_cache_lookups_total", dimensions: [("result", result)]).increment()
    }

    public static func uploaded(bytes: Int) {
        Counter(label: "ocrfleet_worker_upload_bytes_total").increment(by: bytes)
    }

    /// `ocrfleet_worker_jobs_in_flight` up by one for `body`.
    public static func jobInFlight<T>(_ body: () async throws -> T) async rethrows -> T {
        try await inFlight("ocrfleet_worker_jobs_in_flight", body)
    }

    /// `ocrfleet_worker_pages_in_flight` (pages at an engine) up by one for `body`.
    public static func pageInFlight<T>(_ body: () async throws -> T) async rethrows -> T {
        try await inFlight("ocrfleet_worker_pages_in_flight", body)
    }

    private static func inFlight<T>(_ label: String, _ body: () async throws -> T) async rethrows -> T {
        let meter = Meter(label: label)
        meter.increment()
        defer { meter.decrement() }
        return try await body()
    }

    // MARK: Engines

    /// One request to an engine: its status (an HTTP status for vLLM, `transport_error`,
    /// `timeout`; `ok` or an error code for Tesseract) and how long it took.
    public static func engineRequest(engine: String, status: String, took duration: Duration) {
        Counter(label: "ocrfleet_engine_requests_total", dimensions: [("engine", engine), ("status", status)])
            .increment()
        Metrics.Timer(label: "ocrfleet_engine_request_duration_seconds", dimensions: [("engine", engine)])
            .record(duration: duration)
    }

    /// An engine's model servers, healthy and configured, as read when the worker is scraped.
    public static func modelServers(engine: String, healthy: Int, total: Int) {
        Gauge(label: "ocrfleet_model_servers_healthy", dimensions: [("engine", engine)]).record(healthy)
        Gauge(label: "ocrfleet_model_servers", dimensions: [("engine", engine)]).record(total)
    }

    // MARK: Gateway

    /// One HTTP request, by method, route pattern (`/v1/jobs/{id}`, so labels stay few;
    /// `unmatched` for none) and status, timed until its response starts.
    public static func gatewayRequest(method: String, route: String, status: Int, took duration: Duration) {
        Counter(
            label: "ocrfleet_gateway_requests_total",
            dimensions: [("method", method), ("route", route), ("status", "\(status)")]
        ).increment()
        Metrics.Timer(label: "ocrfleet_gateway_request_duration_seconds", dimensions: [("method", method), ("route", route)])
            .record(duration: duration)
    }

    /// A job the gateway published; `withCallback` when it carries a webhook.
    public static func jobSubmitted(withCallback: Bool) {
        Counter(label: "ocrfleet_gateway_jobs_submitted_total", dimensions: [("body", withCallback ? "callback" : "plain")])
            .increment()
    }

    public static func gatewayReceived(bytes: Int) {
        Counter(label: "ocrfleet_gateway_upload_bytes_total").increment(by: bytes)
    }

    /// A webhook delivery: `delivered`, `retried` or `given_up`.
    public static func webhook(_ outcome: String) {
        Counter(label: "ocrfleet_gateway_webhook_deliveries_total", dimensions: [("outcome", outcome)]).increment()
    }

    /// Jobs in `OCR_JOBS`, as read when the gateway is scraped.
    public static func queueDepth(_ jobs: UInt64) {
        Gauge(label: "ocrfleet_queue_jobs").record(Int64(clamping: jobs))
    }

    /// Jobs in `OCR_JOBS` on one route (docs/lanes.md), on its shared subject and every
    /// tenant's, as read when the gateway is scraped.
    public static func queueDepth(_ jobs: UInt64, subject: String) {
        Gauge(label: "ocrfleet_queue_route_jobs", dimensions: [("subject", subject)]).record(Int64(clamping: jobs))
    }

    /// Tenants with jobs on their own routes in `OCR_JOBS`, as read when the gateway is scraped.
    public static func queueTenants(_ tenants: Int) {
        Gauge(label: "ocrfleet_queue_tenants").record(Int64(tenants))
    }

    /// A job purged, on request or by the retention sweep.
    public static func jobPurged() {
        Counter(label: "ocrfleet_gateway_jobs_purged_total").increment()
    }

    /// A submission or retry refused because its tenant had `OCR_TENANT_MAX_QUEUED` jobs queued.
    public static func tenantQueueFull() {
        Counter(label: "ocrfleet_gateway_tenant_queue_full_total").increment()
    }

    /// How long the oldest job in `OCR_JOBS` (waiting or running) has been there; 0 when none.
    public static func queueAge(_ age: Duration) {
        Gauge(label: "ocrfleet_queue_oldest_job_age_seconds").record(age.seconds)
    }

    /// Dead letters kept in `OCR_DLQ`, as read when the gateway is scraped.
    public static func deadLetters(_ count: UInt64) {
        Gauge(label: "ocrfleet_dlq_jobs").record(Int64(clamping: count))
    }

    // MARK: Review

    /// Fields a job's review looked at (its filled and required fields), by document label
    /// (`none` without one): the review rate's denominator.
    public static func reviewFields(_ count: Int, label: String) {
        guard count > 0 else { return }
        Counter(label: "ocrfleet_review_fields_total", dimensions: [("label", label)]).increment(by: count)
    }

    /// A review item the worker queued: `field` or `page`, and each of its reasons.
    public static func reviewItem(label: String, kind: String, reasons: [String]) {
        Counter(label: "ocrfleet_review_items_total", dimensions: [("label", label), ("kind", kind)]).increment()
        for reason in reasons {
            Counter(label: "ocrfleet_review_reasons_total", dimensions: [("label", label), ("reason", reason)]).increment()
        }
    }

    /// A reviewer's decision on an item (`confirm`, `correct`, `reject`), by label and field
    /// (its pointer with array indices as `*`, so the schema bounds the series; `page` for a
    /// page), and how long the item waited from being queued to the decision.
    public static func reviewDecided(label: String, field: String, action: String, waited: Duration) {
        Counter(
            label: "ocrfleet_review_decisions_total",
            dimensions: [("label", label), ("field", field), ("action", action)]
        ).increment()
        Metrics.Timer(label: "ocrfleet_review_wait_seconds", dimensions: [("label", label)]).record(duration: waited)
    }

    /// Undecided review items of every tenant, and how long the oldest has waited, as read
    /// when the gateway is scraped.
    public static func reviewBacklog(items: UInt64, oldestAge: Duration) {
        Gauge(label: "ocrfleet_review_items_waiting").record(Int64(clamping: items))
        Gauge(label: "ocrfleet_review_oldest_item_age_seconds").record(oldestAge.seconds)
    }

    // MARK: NATS

    public static func natsReconnected() {
        Counter(label: "ocrfleet_nats_reconnects_total").increment()
    }
}

extension Duration {
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
