import Foundation
import Hummingbird
import Logging
import OCRFleetAPI
import OCRFleetBus
import OCRFleetContent
import OCRFleetMetrics
import OCRFleetModel
import OCRFleetReview
import OpenAPIRuntime
import ServiceLifecycle

/// The HTTP gateway: publishes jobs, reads their state from KV and serves the local store.
/// It keeps no state of its own, so replicas sharing NATS and the store behave as one.
public struct Gateway: Sendable {
    let configuration: GatewayConfiguration
    let nats: NATSConnection
    let streams = JobStreams()
    let reviews = ReviewAccess()
    let authentication: Authentication
    let eventStreams: EventStreamSlots
    let backlog: BacklogGauge
    let store: DocumentStore
    let logger: Logger

    public init(configuration: GatewayConfiguration, nats: NATSConnection, logger: Logger) throws {
        _ = MetricsExport.registry
        self.configuration = configuration
        self.nats = nats
        authentication = Authentication(
            tokens: TokenTable(configuration.apiTokens),
            requests: RateLimiter(rate: configuration.rateLimit, burst: configuration.rateBurst, clock: configuration.clock),
            failures: RateLimiter(
                rate: configuration.authFailureRate,
                burst: configuration.authFailureBurst,
                clock: configuration.clock
            ),
            forwardedHops: configuration.forwardedHops
        )
        eventStreams = EventStreamSlots(limit: configuration.maxEventStreams)
        backlog = BacklogGauge(connection: nats, clock: configuration.clock)
        if let (bucket, prefix) = configuration.s3Store {
            store = .s3(S3Client(bucket: bucket), prefix: prefix)
        } else {
            store = .local(
                try LocalStore(
                    directory: configuration.storeDirectory,
                    publicBaseURL: configuration.publicURL,
                    secret: configuration.storeSecret
                )
            )
        }
        self.logger = logger
        if configuration.s3Store == nil, configuration.storeSecretIsEphemeral {
            logger.notice("store URLs are signed with a random key: set OCR_STORE_SECRET when running replicas")
        }
    }

    /// Creates the streams and bucket if they are missing, retrying until NATS answers; the
    /// job routes work from then on.
    public func prepareStreams() async throws {
        let topology = FleetTopology(replicas: configuration.streamReplicas)
        let states = try await FleetTopology.untilReady(logger: logger, clock: configuration.clock) { [nats] in
            try await topology.ensureStreams(on: nats)
            // The review streams and buckets, which workers (on their own user) only bind to.
            try await ReviewTopology(replicas: configuration.streamReplicas).ensure(on: nats)
            return try await JobStateStore(connection: nats)
        }
        streams.open(states)
        logger.info("job streams ready")
        let reviewStore = try await FleetTopology.untilReady(logger: logger, clock: configuration.clock) { [nats, configuration] in
            try await ReviewStore(connection: nats, lease: configuration.reviewLease, replicas: configuration.streamReplicas)
        }
        reviews.open(
            store: reviewStore,
            desk: ReviewDesk(store: reviewStore, source: "urn:ocrfleet:gateway", name: "ocr-gateway") { [store] version in
                try await Self.storeReviewedVersion(version, in: store)
            }
        )
        logger.info("review streams ready")
    }

    /// Stores a finished review's extraction version where `GET /v1/jobs/{id}/extraction`
    /// finds it: under the tenant's part of the store when the job is a tenant's
    /// (`<tenant>=<id>` on the bus), and returns its URL without a signature.
    static func storeReviewedVersion(_ version: ReviewDesk.Version, in store: DocumentStore) async throws -> String {
        let owner = Caller(tenant: version.tenant)
        let clientID = owner.clientID(ofBusID: version.jobID)
        let key =
            clientID.map { owner.storeKey(reviewedExtractionKey($0, version: version.version)) }
            ?? reviewedExtractionKey(version.jobID, version: version.version)
        try await store.put(version.bytes, key: key, contentType: "application/json")
        return store.plainURL(of: key)
    }

    /// The services to run beside the application: stream preparation (which ends when the
    /// streams are ready, or quietly at shutdown), the sweep that finishes reviews and, with
    /// `OCR_WEBHOOK_SECRET`, webhook delivery, and with `OCR_RETENTION_DAYS` the retention sweep.
    public var backgroundServices: [ServiceGroupConfiguration.ServiceConfiguration] {
        [
            .init(service: StreamPreparation(gateway: self), successTerminationBehavior: .ignore),
            .init(service: ReviewFinishing(gateway: self)),
        ]
            + (webhookDelivery.map { [$0] } ?? [])
            + (retentionSweep.map { [.init(service: $0)] } ?? [])
    }

    /// The retention sweep, when `OCR_RETENTION_DAYS` is set.
    var retentionSweep: RetentionSweep? {
        configuration.retention.map { RetentionSweep(gateway: self, retention: $0) }
    }

    /// Webhook delivery, when `OCR_WEBHOOK_SECRET` is set.
    public var webhookDelivery: ServiceGroupConfiguration.ServiceConfiguration? {
        configuration.webhooks.map { .init(service: WebhookNotifier(gateway: self, settings: $0)) }
    }

    private struct StreamPreparation: Service {
        let gateway: Gateway

        func run() async throws {
            do {
                try await cancelWhenGracefulShutdown { try await gateway.prepareStreams() }
            } catch  where Task.isShuttingDownGracefully {
                // Stopping: streams that are not ready no longer matter.
            }
        }
    }

    /// The application, ready to run as a service. `onServerRunning` receives the bound port.
    public func makeApplication(
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    )
        -> Application<RouterResponder<GatewayRequestContext>>
    {
        Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ocr-gateway"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
    }

    /// Every route as `METHOD /path`, for checking the OpenAPI document against.
    public var routes: [String] { makeRouter().routes.map { "\($0.method) \($0.path)" } }

    /// The generated operations and the store's catch-all: the paths `UndeclaredMethods`
    /// answers 405 on for another method.
    var declaredRoutes: DeclaredRoutes {
        let recorder = RouteRecorder()
        // The default server URL ("/") is valid, so registration cannot fail.
        try? registerHandlers(on: recorder)
        var routes = recorder.box.routes
        for method in StoreRoutes.methods { routes.add(method, StoreRoutes.path) }
        return routes
    }

    /// The handlers are the generated `APIProtocol`'s (this type's extensions: jobs, results,
    /// events, probes); the store's presigned URLs are a plain route (`StoreRoutes`).
    /// Probes, metrics and the store are open; every `/v1/` operation is behind
    /// `Authentication`, in one group (`GatewayTransport`), so none can be added without it.
    func makeRouter() -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        router.add(middleware: RequestMetrics())
        router.add(middleware: UndeclaredMethods(routes: declaredRoutes))
        router.add(middleware: OpenAPIErrors())
        router.add(middleware: ReviewPageHeaders())
        let api = router.group()
        if configuration.tracing != nil { api.add(middleware: RequestTracing<GatewayRequestContext>()) }
        api.add(middleware: authentication)
        // As for `declaredRoutes`: the default server URL cannot fail to register.
        try? registerHandlers(
            on: GatewayTransport(open: router, authenticated: api),
            configuration: APIJSON.configuration,
            middlewares: [RedirectLocations(), SubmissionLimits(gateway: self)]
        )
        StoreRoutes(gateway: self).add(to: router)
        return router
    }

    /// The caller's job named in the path: its bus id and its state as the caller sees it
    /// (under the caller's own id). Another tenant's job is 404, exactly like a missing one.
    func ownedJob(_ id: String) async throws -> (busID: String, state: JobState) {
        let caller = try Caller.required()
        let busID = caller.busID(id)
        // A purged job's tombstone is no job to show.
        guard caller.isValidJobID(id), var state = try await streams.states().get(busID), state.state != .purged else {
            throw APIError.notFound("no job \(id)")
        }
        state.jobID = id
        return (busID, state)
    }

    /// Refuses new jobs while `OCR_JOBS` holds more than `OCR_MAX_BACKLOG`, so a flood waits
    /// upstream instead of in the queue.
    func checkBacklog() async throws {
        guard configuration.maxBacklog > 0, let waiting = try? await backlog.count(),
            waiting >= UInt64(configuration.maxBacklog)
        else { return }
        throw APIError(
            .serviceUnavailable,
            code: "backlog",
            "\(waiting) jobs are waiting, at or over the limit of \(configuration.maxBacklog); try again later",
            retryAfter: Self.backlogRetry
        )
    }

    static let backlogRetry = Duration.seconds(5)

    /// Refuses a tenant's new job while `OCR_JOBS` holds `OCR_TENANT_MAX_QUEUED` of its jobs,
    /// waiting or running, so one tenant's flood waits upstream, not in front of the others'.
    /// Counted from the tenant's own subjects, as the stream keeps them; replicas submitting
    /// at the same moment may each let one more through.
    func checkTenantQueue(_ tenant: String?) async throws {
        guard let tenant, configuration.tenantMaxQueued > 0 else { return }
        let queued: UInt64
        do {
            queued = try await StoredMessages(connection: nats, stream: StreamNames.jobs)
                .counts(bySubject: Subjects.tenantJobs(tenant: tenant)).values.reduce(0, +)
        } catch {
            throw Self.unavailable(logger, "cannot count a tenant's jobs", tenant, error)
        }
        guard queued >= UInt64(configuration.tenantMaxQueued) else { return }
        FleetMetrics.tenantQueueFull()
        throw APIError(
            .tooManyRequests,
            code: "tenant_queue_full",
            "tenant \(tenant) has \(queued) jobs waiting or running, at or over its limit of \(configuration.tenantMaxQueued) (OCR_TENANT_MAX_QUEUED); try again later",
            retryAfter: Self.backlogRetry
        )
    }

    /// Signs and checks review crop URLs with the store's secret.
    var cropURLs: CropURLs { CropURLs(publicURL: configuration.publicURL, secret: configuration.storeSecret) }

    static func newJobID() -> String { "job-" + UUID().uuidString.lowercased() }
}

/// The gateway serves the generated API: its handlers are in the extensions by concern
/// (`JobSubmission`, `JobRoutes`, `JobListing`, `JobRetry`, `ResultRoutes`, `EventStream`,
/// `Probes`).
extension Gateway: APIProtocol {}
