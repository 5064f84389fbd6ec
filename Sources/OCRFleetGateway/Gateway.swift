import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OCRFleetBus
import OCRFleetContent
import OCRFleetMetrics
import OCRFleetModel
import OCRFleetTracing
import ServiceLifecycle

/// The HTTP gateway: publishes jobs, reads their state from KV and serves the local store.
/// It keeps no state of its own, so replicas sharing NATS and the store behave as one.
public struct Gateway: Sendable {
    let configuration: GatewayConfiguration
    let nats: NATSConnection
    let streams = JobStreams()
    let limiter: RateLimiter
    let backlog: BacklogGauge
    let store: DocumentStore
    let logger: Logger

    public init(configuration: GatewayConfiguration, nats: NATSConnection, logger: Logger) throws {
        _ = MetricsExport.registry
        self.configuration = configuration
        self.nats = nats
        limiter = RateLimiter(rate: configuration.rateLimit, burst: configuration.rateBurst)
        backlog = BacklogGauge(connection: nats)
        if let (bucket, prefix) = configuration.s3Store {
            store = .s3(S3Client(bucket: bucket), prefix: prefix)
        } else {
            store = .local(
                try LocalStore(
                    directory: configuration.storeDirectory, publicBaseURL: configuration.publicURL,
                    secret: configuration.storeSecret))
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
        let states = try await FleetTopology.untilReady(logger: logger) { [nats] in
            try await topology.ensureStreams(on: nats)
            return try await JobStateStore(connection: nats)
        }
        streams.open(states)
        logger.info("job streams ready")
    }

    /// The services to run beside the application: stream preparation (which ends when the
    /// streams are ready, or quietly at shutdown) and, with `OCR_WEBHOOK_SECRET`, webhook delivery.
    public var backgroundServices: [ServiceGroupConfiguration.ServiceConfiguration] {
        [.init(service: StreamPreparation(gateway: self), successTerminationBehavior: .ignore)]
            + (webhookDelivery.map { [$0] } ?? [])
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
            } catch where Task.isShuttingDownGracefully {
                // Stopping: streams that are not ready no longer matter.
            }
        }
    }

    /// The application, ready to run as a service. `onServerRunning` receives the bound port.
    public func makeApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> Application<RouterResponder<BasicRequestContext>>
    {
        Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ocr-gateway"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }

    /// Every route as `METHOD /path`, for checking the OpenAPI document against.
    public var routes: [String] { makeRouter().routes.map { "\($0.method) \($0.path)" } }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: RequestMetrics())
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/metrics") { _, _ -> Response in
            if streams.isReady, let jobs = try? await backlog.count() { FleetMetrics.queueDepth(jobs) }
            return Response(
                status: .ok, headers: [.contentType: MetricsExport.contentType],
                body: .init(byteBuffer: ByteBuffer(bytes: MetricsExport.exposition())))
        }
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        router.get("/readyz") { _, _ -> Response in
            guard nats.isConnected else {
                return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "NATS disconnected\n")))
            }
            guard streams.isReady else {
                return Response(
                    status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "job streams not ready\n")))
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
        }
        router.post("/v1/jobs") { request, context in try await submit(request, context: context) }
        router.get("/v1/jobs") { request, context in try await listJobs(request, context: context) }
        router.get("/v1/queue") { request, _ in
            _ = try authenticate(request)
            _ = try streams.states()
            return try jsonResponse(["jobs": try await backlog.count(), "max_backlog": UInt64(configuration.maxBacklog)])
        }
        router.get("/v1/jobs/{id}") { request, context in
            _ = try authenticate(request)
            let id = try context.parameters.require("id")
            guard let state = try await streams.states().get(id) else { throw APIError.notFound("no job \(id)") }
            return try jsonResponse(state)
        }
        router.get("/v1/jobs/{id}/result") { request, context in try await result(request, context: context) }
        router.get("/v1/jobs/{id}/layout") { request, context in try await layout(request, context: context) }
        router.get("/v1/jobs/{id}/events") { request, context in try await events(request, context: context) }
        router.delete("/v1/jobs/{id}") { request, context in try await cancel(request, context: context) }
        router.get("/v1/store/**") { request, context in try await storeGet(request, context: context) }
        router.put("/v1/store/**") { request, context in try await storePut(request, context: context) }
        return router
    }

    // MARK: Jobs

    /// The tenant of the request's bearer token; no tenant when auth is off. Each token's
    /// requests are rate-limited (a gateway without tokens listens on loopback only and is
    /// not limited).
    func authenticate(_ request: Request) throws -> String? {
        guard !configuration.apiTokens.isEmpty else { return nil }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            let tenant = configuration.apiTokens[String(header.dropFirst(7))]
        else {
            throw APIError(.unauthorized, code: "unauthorized", "a valid bearer token is required")
        }
        if let wait = limiter.admit(String(header.dropFirst(7))) {
            throw APIError(
                .tooManyRequests, code: "rate_limited",
                "more than \(configuration.rateLimit) requests a second with this token; slow down", retryAfter: wait)
        }
        return tenant.isEmpty ? nil : tenant
    }

    /// Refuses new jobs while `OCR_JOBS` holds more than `OCR_MAX_BACKLOG`, so a flood waits
    /// upstream instead of in the queue.
    func checkBacklog() async throws {
        guard configuration.maxBacklog > 0, let waiting = try? await backlog.count(),
            waiting >= UInt64(configuration.maxBacklog)
        else { return }
        throw APIError(
            .serviceUnavailable, code: "backlog",
            "\(waiting) jobs are waiting, at or over the limit of \(configuration.maxBacklog); try again later",
            retryAfter: Self.backlogRetry)
    }

    static let backlogRetry = Duration.seconds(5)

    /// The answer to a submission or a cancel request: the job's state when it was accepted
    /// and where to follow it.
    struct Accepted: Encodable {
        var jobID: String
        var state: JobState.Phase
        var statusURL: String
        var resultURL: String

        init(jobID: String, state: JobState.Phase, base: String) {
            self.jobID = jobID
            self.state = state
            statusURL = "\(base)/v1/jobs/\(jobID)"
            resultURL = "\(base)/v1/jobs/\(jobID)/result"
        }

        enum CodingKeys: String, CodingKey {
            case state
            case jobID = "job_id"
            case statusURL = "status_url"
            case resultURL = "result_url"
        }
    }

    func submit(_ request: Request, context: some RequestContext) async throws -> Response {
        let tenant = try authenticate(request)
        try await checkBacklog()
        let contentType = request.headers[.contentType] ?? "application/octet-stream"
        var job: JobRequest
        let callback: String?
        if contentType.hasPrefix("application/json") {
            (job, callback) = try await jsonSubmission(request)
        } else {
            job = try await uploadSubmission(request, contentType: contentType, context: context)
            callback = Self.query(request, "callback_url")
        }
        if let tenant { job.metadata = (job.metadata ?? [:]).merging(["tenant": tenant]) { _, new in new } }
        do {
            try job.validate()
        } catch {
            throw APIError.invalid(error.message)
        }
        if let callback { try await checkCallback(callback) }
        // A caller's trace continues through the job (the CloudEvents `traceparent` extension).
        let traceparent = request.headers[HTTPField.Name("traceparent")!].flatMap(TraceContext.init(traceparent:))
        try await publish(job, callback: callback, traceparent: traceparent?.traceparent)
        FleetMetrics.jobSubmitted(withCallback: callback != nil)
        return try jsonResponse(Accepted(jobID: job.jobID, state: .queued, base: configuration.publicURL), status: .accepted)
    }

    /// A callback URL must be http(s) to a host webhooks may reach, on a gateway that signs them.
    func checkCallback(_ url: String) async throws {
        guard let webhooks = configuration.webhooks else {
            throw APIError.invalid("this gateway sends no webhooks (OCR_WEBHOOK_SECRET is unset)", field: "callback_url")
        }
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.utf8.count <= 2048 else {
            throw APIError.invalid("callback_url must be an http(s) URL of at most 2048 bytes", field: "callback_url")
        }
        do {
            try await webhooks.policy.check(url, checkAllowList: true)
        } catch {
            throw APIError.invalid("callback_url: \(error.message)", field: "callback_url")
        }
    }

    /// Records the job as queued (and its callback), then publishes it; the CloudEvent id is
    /// the `Nats-Msg-Id`. The callback is stored first: a fast job could end before it otherwise.
    func publish(_ job: JobRequest, callback: String? = nil, traceparent: String? = nil) async throws {
        let states = try streams.states()
        try await states.recordQueued(job)
        if let callback { try await states.setCallback(callback, for: job.jobID) }
        do {
            try await nats.publish(JobEvent.request(job, source: "urn:ocrfleet:gateway", traceparent: traceparent))
        } catch {
            logger.error("cannot publish job", metadata: ["job_id": "\(job.jobID)", "error": "\(error)"])
            throw APIError(.serviceUnavailable, code: "unavailable", "the job queue is unreachable; try again")
        }
        logger.info("job submitted", metadata: ["job_id": "\(job.jobID)"])
    }

    struct JSONSubmission: Decodable {
        var jobID: String?
        var source: SourceDocument
        var result: ResultTarget?
        var options: JobOptions?
        var metadata: [String: String]?
        var callbackURL: String?

        enum CodingKeys: String, CodingKey {
            case source, result, options, metadata
            case jobID = "job_id"
            case callbackURL = "callback_url"
        }
    }

    func jsonSubmission(_ request: Request) async throws -> (JobRequest, callback: String?) {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        let submission: JSONSubmission
        do {
            submission = try JSONDecoder().decode(JSONSubmission.self, from: Data(body.readableBytesView))
        } catch let error as DecodingError {
            throw APIError.invalid("request body: \(error.summary)", field: error.fieldPath)
        }
        let jobID = submission.jobID ?? Self.newJobID()
        let result = submission.result ?? ResultTarget(url: resultPutURL(jobID: jobID))
        let job = JobRequest(
            jobID: jobID, source: submission.source, result: result, options: submission.options ?? JobOptions(),
            metadata: submission.metadata)
        return (job, submission.callbackURL)
    }

    /// A file in the body: multipart (`file` part, optional `options` JSON part) or raw
    /// bytes. The file is streamed into the store; options may also come as query parameters.
    func uploadSubmission(_ request: Request, contentType: String, context: some RequestContext) async throws
        -> JobRequest
    {
        let jobID = Self.query(request, "job_id") ?? Self.newJobID()
        guard JobRequest.isValidJobID(jobID) else {
            throw APIError.invalid("job_id must be 1-200 characters of A-Z a-z 0-9 - _ =", field: "job_id")
        }
        let objectKey = "sources/\(jobID)/source"
        let path = try store.receivingPath(for: objectKey)
        do {
            return try await receive(
                request, contentType: contentType, jobID: jobID, objectKey: objectKey, path: path)
        } catch {
            store.discard(receivedAt: path)
            throw error
        }
    }

    private func receive(_ request: Request, contentType: String, jobID: String, objectKey: String, path: String)
        async throws -> JobRequest
    {
        let upload: UploadedFile
        if contentType.hasPrefix("multipart/form-data") {
            guard let boundary = MultipartUpload.boundary(of: contentType) else {
                throw APIError.invalid("multipart body without a boundary")
            }
            upload = try await MultipartUpload.receive(
                request.body, boundary: boundary, to: path, maxBytes: configuration.maxUploadBytes)
        } else {
            upload = try await MultipartUpload.receiveRaw(request.body, to: path, maxBytes: configuration.maxUploadBytes)
        }
        guard upload.bytes > 0 else { throw APIError.invalid("the uploaded file is empty", field: "file") }
        FleetMetrics.gatewayReceived(bytes: upload.bytes)

        var optionFields: [String: Any] = [:]
        if let text = upload.fields["options"] {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw APIError.invalid("the options part is not a JSON object", field: "options")
            }
            optionFields = object
        }
        for name in ["engine", "mode", "pages", "resolution", "prompt", "on_page_error", "password"] {
            if let value = Self.query(request, name) ?? upload.fields[name] { optionFields[name] = value }
        }
        if let text = Self.query(request, "timeout_s") ?? upload.fields["timeout_s"] {
            guard let seconds = Int(text) else { throw APIError.invalid("timeout_s must be whole seconds", field: "options.timeout_s") }
            optionFields["timeout_s"] = seconds
        }
        if let languages = Self.query(request, "languages") ?? upload.fields["languages"] {
            optionFields["languages"] = languages.split(whereSeparator: { $0 == "," || $0 == "+" }).map(String.init)
        }
        let options: JobOptions
        do {
            options = try JSONDecoder().decode(
                JobOptions.self, from: JSONSerialization.data(withJSONObject: optionFields))
        } catch let error as DecodingError {
            throw APIError.invalid("options: \(error.summary)", field: error.fieldPath.map { "options.\($0)" })
        }
        let filename = Self.query(request, "filename") ?? upload.filename
        do {
            try await store.commit(receivedAt: path, key: objectKey, contentType: upload.contentType)
        } catch {
            logger.error("cannot store an upload", metadata: ["job_id": "\(jobID)", "error": "\(error)"])
            throw APIError(.serviceUnavailable, code: "unavailable", "the upload cannot be stored; try again")
        }
        let source = SourceDocument(
            url: store.presignedURL(.get, key: objectKey, lifetime: configuration.urlLifetime),
            contentType: upload.contentType,
            filename: filename, size: upload.bytes, sha256: upload.sha256)
        return JobRequest(
            jobID: jobID, source: source,
            result: ResultTarget(
                url: resultPutURL(jobID: jobID), layoutURL: resultPutURL(jobID: jobID, key: Self.layoutKey(jobID))),
            options: options)
    }

    func resultPutURL(jobID: String, key: String? = nil) -> String {
        store.presignedURL(.put, key: key ?? "results/\(jobID).md", lifetime: configuration.urlLifetime)
    }

    /// Asks for the job to stop: recorded in KV (a job still queued is skipped when a worker
    /// takes it) and announced on `ocr.cancel.<id>` (the worker running it stops within a
    /// page). The job's `cancelled` event says when it has stopped.
    func cancel(_ request: Request, context: some RequestContext) async throws -> Response {
        _ = try authenticate(request)
        let id = try context.parameters.require("id")
        guard JobRequest.isValidJobID(id), let state = try await streams.states().get(id) else { throw APIError.notFound("no job \(id)") }
        guard !state.state.isTerminal else {
            throw APIError(.conflict, code: "already_final", "job \(id) is already \(state.state.rawValue)")
        }
        do {
            try await streams.states().requestCancel(id)
            try nats.publishCore(Subjects.cancel(jobID: id), payload: [])
        } catch {
            throw APIError(.serviceUnavailable, code: "unavailable", "the cancel request cannot be recorded; try again")
        }
        return try jsonResponse(Accepted(jobID: id, state: state.state, base: configuration.publicURL), status: .accepted)
    }

    /// The job's stored `completed` event, if it has one.
    func completedEvent(of jobID: String) async throws -> JobCompleted? {
        let stored = StoredMessages(connection: nats, stream: StreamNames.events)
        guard let message = try await stored.last(on: Subjects.event(.completed, jobID: jobID)) else { return nil }
        guard case .completed(let completed) = try LifecycleEvent.decode(message.payload).data.body else { return nil }
        return completed
    }

    static func layoutKey(_ jobID: String) -> String { "results/\(jobID).layout.json" }

    /// The layout sidecar of a completed job whose engine reported blocks.
    func layout(_ request: Request, context: some RequestContext) async throws -> Response {
        _ = try authenticate(request)
        let id = try context.parameters.require("id")
        guard JobRequest.isValidJobID(id), let state = try await streams.states().get(id) else { throw APIError.notFound("no job \(id)") }
        guard state.state == .completed, let location = try await store.location(of: Self.layoutKey(id)) else {
            throw APIError.notFound("job \(id) has no layout (its engine reports none, or it is not completed)")
        }
        switch location {
        case .redirect(let url): return .redirect(to: url)
        case .file(let path):
            let body = try await FileIO().loadFile(path: path, context: context)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
        }
    }

    func result(_ request: Request, context: some RequestContext) async throws -> Response {
        _ = try authenticate(request)
        let id = try context.parameters.require("id")
        guard let state = try await streams.states().get(id) else { throw APIError.notFound("no job \(id)") }
        var summary = state.state == .completed ? state.result : nil
        if summary == nil {
            // `completed` is published a moment before the job's state says so: a client that
            // asks the instant it sees the event is served from the event.
            summary = try? await completedEvent(of: id)?.result
        }
        guard let result = summary else {
            throw APIError(.conflict, code: "not_ready", "job \(id) is \(state.state.rawValue), not completed")
        }
        switch store.location(ofResult: result.url) {
        case nil: return .redirect(to: result.url)
        case .redirect(let url): return .redirect(to: url)
        case .file(let path):
            let body = try await FileIO().loadFile(path: path, context: context)
            return Response(status: .ok, headers: [.contentType: "text/markdown; charset=utf-8"], body: body)
        }
    }

    // MARK: Local store

    func storeKey(_ request: Request, _ context: some RequestContext, _ method: LocalStore.Method) throws
        -> (LocalStore, String)
    {
        guard let store = store.local else { throw APIError.notFound("this gateway keeps its files in S3") }
        let key = context.parameters.getCatchAll().joined(separator: "/").removingPercentEncoding ?? ""
        guard
            store.verify(
                method, objectKey: key, expires: Self.query(request, "expires"),
                signature: Self.query(request, "signature"))
        else {
            throw APIError(.forbidden, code: "forbidden", "the URL's signature is invalid or has expired")
        }
        return (store, key)
    }

    func storeGet(_ request: Request, context: some RequestContext) async throws -> Response {
        let (store, key) = try storeKey(request, context, .get)
        let body = try await FileIO().loadFile(path: store.path(for: key), context: context)
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: body)
    }

    func storePut(_ request: Request, context: some RequestContext) async throws -> Response {
        let (store, key) = try storeKey(request, context, .put)
        let path = store.path(for: key)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = try await MultipartUpload.receiveRaw(request.body, to: path, maxBytes: configuration.maxUploadBytes)
        return Response(status: .ok)
    }

    // MARK: Helpers

    static func query(_ request: Request, _ name: String) -> String? {
        request.uri.queryParameters[Substring(name)].map { String($0).removingPercentEncoding ?? String($0) }
    }

    static func newJobID() -> String { "job-" + UUID().uuidString.lowercased() }
}
