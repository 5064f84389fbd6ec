import Foundation
import OCRFleetBus
import OCRFleetConfiguration
import OCRFleetContent
import OCRFleetModel

/// Everything `ocr-gateway` reads from flags and `OCR_*` variables (docs/configuration.md).
public struct GatewayConfiguration: Sendable {
    public var nats: NATSConnectionOptions
    public var streamReplicas: Int
    public var host: String
    public var port: Int
    /// Token → tenant (`default` for a token listed without one).
    public var apiTokens: [String: String]
    public var storeDirectory: String
    /// The bucket and key prefix uploads and results go to; nil: the local store.
    public var s3Store: (bucket: S3Bucket, prefix: String)?
    public var storeSecret: [UInt8]
    public var storeSecretIsEphemeral: Bool
    public var publicURL: String
    public var urlLifetime: Duration
    public var maxUploadBytes: Int
    /// Job API requests per second per token (per client address without tokens); 0: no limit.
    public var rateLimit: Double
    /// Requests a client may make at once before the rate applies.
    public var rateBurst: Int
    /// Failed authentications a client address may make at once, and how many a second
    /// after that, before its requests get 429.
    public var authFailureBurst: Int
    public var authFailureRate: Double
    /// Event streams one tenant may hold open on one replica.
    public var maxEventStreams: Int
    /// Proxies in front of the gateway that append to `X-Forwarded-For`.
    public var forwardedHops: Int
    /// Jobs waiting in `OCR_JOBS` above which submissions are refused with 503; 0: no limit.
    public var maxBacklog: Int
    /// Jobs of one tenant in `OCR_JOBS`, waiting or running, above which its submissions get
    /// 429 (docs/lanes.md#fair-share); 0: no cap.
    public var tenantMaxQueued: Int
    /// How long an ended job is kept before the retention sweep purges it; nil: for ever.
    public var retention: Duration?
    /// Webhook delivery; nil (no `OCR_WEBHOOK_SECRET`): jobs may not carry `callback_url`.
    public var webhooks: WebhookSettings?
    /// Interval of the keep-alive comments on event streams.
    public var eventsKeepAlive: Duration
    /// How long a reviewer's claim holds a review item (the review consumers' ack wait).
    public var reviewLease: Duration
    /// How often reviews left decided but unannounced are finished.
    public var reviewSweep: Duration
    public var logLevel: String
    public var logFormat: ProcessSetup.LogFormat
    /// What rate limits, the failed-authentication throttle and the backlog reading count
    /// time with; tests set one they move by hand.
    public var clock: FleetClock = .continuous
    /// Where traces go; nil: no tracer, and the job routes run without server spans.
    public var tracing: TraceExport?

    public enum Settings {
        public static let host = Setting("http.host", default: "127.0.0.1", "Address to listen on.")
        public static let port = Setting("http.port", default: "8080", "Port to listen on (0 picks a free one).")
        public static let apiTokens = Setting(
            "api.tokens",
            default: "unset (no auth; loopback only)",
            "Bearer tokens, comma-separated, each `token:tenant` (a tenant: 1-40 of A-Z a-z 0-9 - _) or `token` (tenant `default`). Each tenant sees only its own jobs."
        )
        public static let storeDir = Setting("store.dir", default: "a temp dir", "Directory of the local content store.")
        public static let storeURL = Setting(
            "store.url",
            default: "unset (the local store)",
            "`s3://bucket/prefix`: keep uploads and results in an S3-compatible bucket instead of OCR_STORE_DIR."
        )
        public static let s3Endpoint = Setting(
            "s3.endpoint",
            default: "https://s3.$OCR_S3_REGION.amazonaws.com",
            "URL of the S3-compatible service (MinIO, Ceph, R2: theirs)."
        )
        public static let s3Region = Setting("s3.region", default: "us-east-1", "Region the S3 requests are signed for.")
        public static let s3PathStyle = Setting(
            "s3.path.style",
            default: "true when OCR_S3_ENDPOINT is set",
            "Bucket in the URL path (true) or in the host name (false, AWS's virtual hosts)."
        )
        public static let s3AccessKeyID = Setting("s3.access.key.id", default: "unset", "S3 access key id.")
        public static let s3SecretAccessKey = Setting("s3.secret.access.key", default: "unset", "S3 secret access key.")
        public static let s3SessionToken = Setting(
            "s3.session.token",
            default: "unset",
            "S3 session token, for temporary (STS) credentials."
        )
        public static let storeSecret = Setting(
            "store.secret",
            default: "random per start",
            "HMAC key for presigned store URLs; replicas sharing a store must share it."
        )
        public static let publicURL = Setting(
            "public.url",
            default: "http://127.0.0.1:$OCR_HTTP_PORT",
            "Base URL put in presigned URLs the gateway issues."
        )
        public static let urlLifetime = Setting("url.ttl.s", default: "86400", "Lifetime of presigned store URLs (seconds).")
        public static let maxUploadBytes = Setting("max.upload.bytes", default: "536870912", "Largest upload accepted (bytes).")
        public static let rateLimit = Setting(
            "rate.limit",
            default: "50",
            "Job API requests per second per bearer token, per replica; 0 turns it off. Over it: 429 with Retry-After. A gateway without tokens is not limited."
        )
        public static let rateBurst = Setting("rate.burst", default: "100", "Requests a client may make at once before the rate limit applies.")
        public static let authFailureBurst = Setting(
            "auth.failure.burst",
            default: "10",
            "Failed authentications a client address may make at once before its requests get 429 (auth_throttled)."
        )
        public static let authFailureRate = Setting(
            "auth.failure.rate",
            default: "0.1",
            "Failed authentications a second a client address may make after the burst; 0 turns the throttle off."
        )
        public static let forwardedHops = Setting(
            "forwarded.hops",
            default: "0",
            "Proxies in front of the gateway (an ingress: 1) that each append the client's address to X-Forwarded-For; failed authentications are counted against the address that many hops back. 0: the TCP peer."
        )
        public static let maxEventStreams = Setting(
            "max.event.streams",
            default: "100",
            "Event streams (GET /v1/jobs/{id}/events) one tenant may hold open on one replica; more get 429."
        )
        public static let reviewLease = Setting(
            "review.lease.s",
            default: "600",
            "Seconds a reviewer's claim holds a review item before it returns to the queue."
        )
        public static let reviewSweep = Setting(
            "review.sweep.s",
            default: "60",
            "Seconds between sweeps that finish reviews left decided but unannounced and settle review lanes where items were decided after a claim by id."
        )
        public static let maxBacklog = Setting(
            "max.backlog",
            default: "100000",
            "Jobs waiting in OCR_JOBS above which submissions get 503 with Retry-After; 0 turns it off."
        )
        public static let retentionDays = Setting(
            "retention.days",
            default: "0",
            "Days an ended job (source, results, events, dead letters, review records, state) is kept; every hour each replica purges the jobs that ended longer ago. 0 keeps them for ever."
        )
        public static let tenantMaxQueued = Setting(
            "tenant.max.queued",
            default: "10000",
            "Jobs of one tenant in OCR_JOBS (waiting or running) at which its submissions and retries get 429 tenant_queue_full with Retry-After; 0 turns it off."
        )

        public static let webhookSecret = Setting(
            "webhook.secret",
            default: "unset (webhooks off)",
            "HMAC-SHA256 key of the OCRFleet-Signature header on webhook deliveries; replicas must share it."
        )
        public static let webhookAttempts = Setting(
            "webhook.attempts",
            default: "8",
            "Deliveries of a terminal event before it is given up on."
        )
        public static let webhookRetryBase = Setting(
            "webhook.retry.base.s",
            default: "1",
            "First wait before a webhook retry (seconds); each next is 4 times longer, at most 600."
        )
        public static let webhookAllowHosts = Setting(
            "webhook.allow.hosts",
            default: "unset (any host OCR_EGRESS_ALLOW lets through)",
            "Hosts callback URLs may name, comma-separated (`hooks.example.com`, `*.example.com`); narrows OCR_EGRESS_ALLOW, never widens it."
        )

        public static let sseKeepAlive = Setting(
            "sse.keepalive.s",
            default: "15",
            "Seconds between keep-alive comments on GET /v1/jobs/{id}/events, under proxies' idle timeouts."
        )

        public static let all: [Setting] =
            CommonSettings.all + [
                host, port, apiTokens, storeDir, storeURL, s3Endpoint, s3Region, s3PathStyle, s3AccessKeyID,
                s3SecretAccessKey, s3SessionToken, storeSecret, publicURL, urlLifetime, maxUploadBytes, rateLimit, rateBurst,
                authFailureBurst, authFailureRate, forwardedHops, maxEventStreams, maxBacklog, tenantMaxQueued, retentionDays, webhookSecret,
                webhookAttempts,
                webhookRetryBase,
                webhookAllowHosts, sseKeepAlive, reviewLease, reviewSweep,
            ]
    }

    public init(
        arguments: [String] = CommandLine.arguments,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SettingsError) {
        let reader = try SettingsReader(
            command: "ocr-gateway",
            summary: "HTTP gateway: submits OCR jobs to NATS, reports their state and serves results and the local store.",
            settings: Settings.all,
            arguments: arguments,
            environment: environment
        )
        nats = NATSConnectionOptions(settings: reader, name: "ocr-gateway")
        streamReplicas = try reader.int(CommonSettings.streamReplicas, default: 1, range: 1...5)
        host = reader.string(Settings.host, default: "127.0.0.1")
        port = try reader.int(Settings.port, default: 8080, range: 0...65535)
        var tokens: [String: String] = [:]
        for entry in reader.list(Settings.apiTokens) {
            let parts = entry.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let tenant = parts.count > 1 ? parts[1] : "default"
            guard !parts[0].isEmpty, Caller.isValidTenant(tenant) else {
                throw .invalidValue(
                    Settings.apiTokens,
                    "…:\(tenant)",
                    expected: "token:tenant with a tenant of 1-40 of A-Z a-z 0-9 - _"
                )
            }
            tokens[parts[0]] = tenant
        }
        // Tenants name directories in the store: two that differ only in case would share one
        // on a case-insensitive file system.
        let tenants = Set(tokens.values)
        if Set(tenants.map { $0.lowercased() }).count != tenants.count {
            throw .invalidValue(
                Settings.apiTokens,
                "tenants that differ only in case",
                expected: "tenant names that differ in more than case"
            )
        }
        apiTokens = tokens
        if tokens.isEmpty, !Self.isLoopback(host) {
            throw .invalidValue(
                Settings.host,
                host,
                expected: "a loopback address while OCR_API_TOKENS is unset (set tokens to listen wider)"
            )
        }
        storeDirectory =
            reader.string(Settings.storeDir)
            ?? (NSTemporaryDirectory() + "/ocrfleet-store-\(UUID().uuidString.prefix(8))")
        s3Store = try Self.s3Store(reader)
        if let secret = reader.string(Settings.storeSecret) {
            storeSecret = Array(secret.utf8)
            storeSecretIsEphemeral = false
        } else {
            storeSecret = (0..<32).map { _ in UInt8.random(in: 0...255) }
            storeSecretIsEphemeral = true
        }
        publicURL = reader.string(Settings.publicURL) ?? "http://127.0.0.1:\(port)"
        urlLifetime = .seconds(try reader.int(Settings.urlLifetime, default: 86_400, range: 1...(30 * 86_400)))
        maxUploadBytes = try reader.int(Settings.maxUploadBytes, default: 512 << 20, range: 1...(1 << 40))
        rateLimit = try reader.double(Settings.rateLimit, default: 50)
        rateBurst = try reader.int(Settings.rateBurst, default: 100, range: 1...1_000_000)
        authFailureBurst = try reader.int(Settings.authFailureBurst, default: 10, range: 1...1_000_000)
        authFailureRate = try reader.double(Settings.authFailureRate, default: 0.1)
        maxEventStreams = try reader.int(Settings.maxEventStreams, default: 100, range: 1...1_000_000)
        forwardedHops = try reader.int(Settings.forwardedHops, default: 0, range: 0...10)
        maxBacklog = try reader.int(Settings.maxBacklog, default: 100_000, range: 0...1_000_000_000)
        tenantMaxQueued = try reader.int(Settings.tenantMaxQueued, default: 10_000, range: 0...1_000_000_000)
        let retentionDays = try reader.int(Settings.retentionDays, default: 0, range: 0...36_500)
        retention = retentionDays > 0 ? .seconds(retentionDays * 86_400) : nil
        if let secret = reader.string(Settings.webhookSecret) {
            let base = try reader.double(Settings.webhookRetryBase, default: 1)
            webhooks = WebhookSettings(
                secret: Array(secret.utf8),
                attempts: try reader.int(Settings.webhookAttempts, default: 8, range: 1...50),
                retryBase: .milliseconds(Int64(max(base, 0.01) * 1000)),
                allowedHosts: reader.list(Settings.webhookAllowHosts),
                egress: try reader.list(CommonSettings.egressAllow, expected: EgressRule.syntax) { EgressRule($0) }
            )
        }
        eventsKeepAlive = .seconds(try reader.int(Settings.sseKeepAlive, default: 15, range: 1...3600))
        reviewLease = .seconds(try reader.int(Settings.reviewLease, default: 600, range: 1...86_400))
        reviewSweep = .seconds(try reader.int(Settings.reviewSweep, default: 60, range: 1...86_400))
        logLevel = reader.string(CommonSettings.logLevel, default: "info")
        logFormat = try reader.choice(CommonSettings.logFormat, default: .auto)
        tracing = try reader.traceExport()
    }

    static func s3Store(_ reader: SettingsReader) throws(SettingsError) -> (bucket: S3Bucket, prefix: String)? {
        guard let location = reader.string(Settings.storeURL) else { return nil }
        guard let (name, prefix) = S3Bucket.parseLocation(location) else {
            throw .invalidValue(Settings.storeURL, location, expected: "s3://bucket/prefix with a valid bucket name")
        }
        guard let keyID = reader.string(Settings.s3AccessKeyID), let secret = reader.string(Settings.s3SecretAccessKey)
        else {
            throw .invalidValue(
                Settings.s3AccessKeyID,
                "unset",
                expected: "set, with OCR_S3_SECRET_ACCESS_KEY, when OCR_STORE_URL is s3://"
            )
        }
        let region = reader.string(Settings.s3Region, default: "us-east-1")
        let endpoint = reader.string(Settings.s3Endpoint)
        let bucket = S3Bucket(
            name: name,
            endpoint: endpoint ?? S3Bucket.awsEndpoint(region: region),
            region: region,
            pathStyle: try reader.bool(Settings.s3PathStyle, default: endpoint != nil),
            credentials: S3Credentials(
                accessKeyID: keyID,
                secretAccessKey: secret,
                sessionToken: reader.string(Settings.s3SessionToken)
            )
        )
        return (bucket, prefix)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
