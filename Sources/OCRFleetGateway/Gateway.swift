import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OCRFleetAPI
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

    /// Probes, metrics and the store (signed URLs) are open; every job route is behind
    /// `Authentication`, in one group, so none can be added without it.
    func makeRouter() -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        router.add(middleware: RequestMetrics())
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/metrics") { _, _ -> Response in
            if streams.isReady, let jobs = try? await backlog.count() { FleetMetrics.queueDepth(jobs) }
            return Response(
                status: .ok,
                headers: [.contentType: MetricsExport.contentType],
                body: .init(byteBuffer: ByteBuffer(bytes: MetricsExport.exposition()))
            )
        }
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json))
            )
        }
        router.get("/readyz") { _, _ -> Response in
            guard nats.isConnected else {
                return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "NATS disconnected\n")))
            }
            guard streams.isReady else {
                return Response(
                    status: .serviceUnavailable,
                    body: .init(byteBuffer: ByteBuffer(string: "job streams not ready\n"))
                )
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
        }
        router.get("/v1/store/**") { request, context in try await storeGet(request, context: context) }
        router.put("/v1/store/**") { request, context in try await storePut(request, context: context) }

        let api = router.group("/v1")
        if configuration.tracing != nil { api.add(middleware: RequestTracing<GatewayRequestContext>()) }
        api.add(middleware: authentication)
        api.post("/jobs") { request, context in try await submit(request, context: context) }
        api.get("/jobs") { request, context in try await listJobs(request, context: context) }
        api.get("/queue") { _, context in
            _ = try context.requireCaller()
            _ = try streams.states()
            return try jsonResponse(["jobs": try await backlog.count(), "max_backlog": UInt64(configuration.maxBacklog)])
        }
        api.get("/jobs/{id}") { _, context in
            let (_, state) = try await ownedJob(context)
            return try jsonResponse(state)
        }
        api.get("/jobs/{id}/result") { request, context in try await result(request, context: context) }
        api.get("/jobs/{id}/layout") { request, context in try await layout(request, context: context) }
        api.get("/jobs/{id}/events") { request, context in try await events(request, context: context) }
        api.delete("/jobs/{id}") { request, context in try await cancel(request, context: context) }
        api.post("/jobs/{id}/retry") { request, context in try await retry(request, context: context) }
        return router
    }

    // MARK: Jobs

    /// The caller's job named in the path: its bus id and its state as the caller sees it
    /// (under the caller's own id). Another tenant's job is 404, exactly like a missing one.
    func ownedJob(_ context: GatewayRequestContext) async throws -> (busID: String, state: JobState) {
        let caller = try context.requireCaller()
        let id = try context.parameters.require("id")
        let busID = caller.busID(id)
        guard caller.isValidJobID(id), var state = try await streams.states().get(busID) else {
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

    /// `POST /v1/jobs`. The job id is the caller's idempotency key: the first submission
    /// under an id claims it; the same request again is answered 200 with the job's state
    /// and changes nothing; a different request under a taken id is 409.
    func submit(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try await checkBacklog()
        let contentType = request.headers[.contentType] ?? "application/octet-stream"
        let submission: Submission
        if contentType.hasPrefix("application/json") {
            submission = try await jsonSubmission(request, caller: caller)
        } else {
            submission = try await uploadSubmission(request, contentType: contentType, caller: caller)
        }
        defer { if let path = submission.upload?.path { store.discard(receivedAt: path) } }
        do {
            try submission.job.validate()
        } catch {
            throw APIError.invalid(error.message)
        }
        if let callback = submission.callback { try await checkCallback(callback) }
        let states = try streams.states()
        // A caller's trace continues through the job (the CloudEvents `traceparent` extension).
        let traceparent = JobTrace.traceparent(caller: request.headers[HTTPField.Name("traceparent")!])
        let claim: JobStateStore.ClaimAnswer
        do {
            claim = try await states.claim(submission.job.jobID, digest: submission.digest)
        } catch {
            throw Self.unavailable(logger, "cannot claim a job id", submission.job.jobID, error)
        }
        switch claim {
        case .claimed:
            try await enqueue(submission, states: states, traceparent: traceparent)
            FleetMetrics.jobSubmitted(withCallback: submission.callback != nil)
            return try jsonResponse(
                Accepted(jobID: submission.clientID, state: .queued, base: configuration.publicURL),
                status: .accepted
            )
        case .held(let held):
            return try await existing(submission, held: held, states: states, traceparent: traceparent)
        }
    }

    /// A claim whose submission has recorded no state after this long died half-way.
    static let abandonedClaim = Duration.seconds(60)

    /// The answer to a submission under an id that is taken: 409 for a different request;
    /// for the same one, the job as it is (200). A job still queued is published again, with
    /// the same message id, so a first request whose publish failed is made good and one whose
    /// publish landed is stored once.
    func existing(
        _ submission: Submission,
        held: JobStateStore.SubmissionClaim,
        states: JobStateStore,
        traceparent: String?
    ) async throws -> Response {
        let clientID = submission.clientID
        guard held.digest == submission.digest else {
            throw APIError(
                .conflict,
                code: "job_exists",
                "job \(clientID) exists with a different request; choose another job_id",
                field: "job_id"
            )
        }
        let busID = submission.job.jobID
        let state: JobState?
        do {
            state = try await states.get(busID)
        } catch {
            throw Self.unavailable(logger, "cannot read a job", busID, error)
        }
        guard let state else {
            let age = Duration.seconds(Date().timeIntervalSince(held.claimedAt))
            if age > Self.abandonedClaim, try await states.takeOver(busID, from: held, digest: submission.digest) {
                try await enqueue(submission, states: states, traceparent: traceparent)
                return try jsonResponse(Accepted(jobID: clientID, state: .queued, base: configuration.publicURL), status: .accepted)
            }
            throw APIError(
                .serviceUnavailable,
                code: "in_progress",
                "job \(clientID) is being submitted by another request; try again",
                retryAfter: .seconds(1)
            )
        }
        if state.state == .queued { try await publish(submission.job, digest: submission.digest, traceparent: traceparent) }
        return try jsonResponse(Accepted(jobID: clientID, state: state.state, base: configuration.publicURL), status: .ok)
    }

    /// Records the claimed job as queued, puts its upload in place, records its callback and
    /// publishes it. The callback is stored before the job is published: a fast job could end
    /// before it otherwise. Until the publish, a failure leaves nothing of the job behind, so
    /// the caller's retry starts afresh; a failed publish may yet have landed, so the job
    /// stays, and the caller's retry publishes it again.
    func enqueue(_ submission: Submission, states: JobStateStore, traceparent: String?) async throws {
        let job = submission.job
        var state = JobState(jobID: job.jobID, state: .queued)
        state.createdAt = Date()
        state.metadata = job.metadata
        do {
            guard try await states.get(job.jobID) == nil else {
                // Published on the bus directly, without a claim: not the gateway's to take over.
                try? await states.release(job.jobID, includingState: false)
                throw APIError(
                    .conflict,
                    code: "job_exists",
                    "job \(submission.clientID) exists; choose another job_id",
                    field: "job_id"
                )
            }
            try await states.put(state)
            if let upload = submission.upload {
                try await store.commit(receivedAt: upload.path, key: upload.key, contentType: job.source.contentType)
            }
            if let callback = submission.callback { try await states.setCallback(callback, for: job.jobID) }
        } catch let error as APIError {
            throw error
        } catch {
            try? await states.release(job.jobID, includingState: true)
            throw Self.unavailable(logger, "cannot queue a job", job.jobID, error)
        }
        try await publish(job, digest: submission.digest, traceparent: traceparent)
        logger.info("job submitted", metadata: ["job_id": "\(job.jobID)"])
    }

    /// Publishes the job with a message id made of its id and request, which `OCR_JOBS`
    /// de-duplicates on for ten minutes.
    func publish(_ job: JobRequest, digest: String, traceparent: String?) async throws {
        let event = JobEvent.request(
            job,
            source: "urn:ocrfleet:gateway",
            id: "\(job.jobID).\(digest.prefix(32))",
            traceparent: traceparent
        )
        do {
            try await nats.publish(event)
        } catch {
            throw Self.unavailable(logger, "cannot publish a job", job.jobID, error)
        }
    }

    static func unavailable(_ logger: Logger, _ what: String, _ jobID: String, _ error: any Error) -> APIError {
        logger.error("\(what)", metadata: ["job_id": "\(jobID)", "error": "\(error)"])
        return APIError(.serviceUnavailable, code: "unavailable", "the job cannot be queued now; try again")
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
            // One answer whether the host is refused or does not resolve: told apart, they
            // would let a caller learn which internal names exist. The log tells them apart.
            logger.notice("callback_url refused", metadata: ["reason": "\(error)"])
            throw APIError.invalid(
                "callback_url is refused: it must name a host the egress policy allows that resolves",
                field: "callback_url"
            )
        }
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

    func jsonSubmission(_ request: Request, caller: Caller) async throws -> Submission {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        let submission: JSONSubmission
        do {
            submission = try JSONDecoder().decode(JSONSubmission.self, from: Data(body.readableBytesView))
        } catch let error as DecodingError {
            throw APIError.invalid("request body: \(error.summary)", field: error.fieldPath)
        }
        let clientID = try Self.jobID(submission.jobID, caller: caller)
        let options = submission.options ?? JobOptions()
        let job = JobRequest(
            jobID: caller.busID(clientID),
            source: submission.source,
            result: submission.result ?? ResultTarget(url: resultPutURL(caller.storeKey("results/\(clientID).md"))),
            options: options,
            metadata: Self.metadata(submission.metadata, caller: caller)
        )
        let asked = Submission.Asked(
            source: submission.source,
            result: submission.result,
            options: options,
            metadata: submission.metadata,
            callbackURL: submission.callbackURL
        )
        return Submission(clientID: clientID, job: job, callback: submission.callbackURL, asked: asked)
    }

    /// The caller's job id, or a new one; 400 when it is not a valid id for the caller.
    static func jobID(_ given: String?, caller: Caller) throws(APIError) -> String {
        guard let given else { return newJobID() }
        guard caller.isValidJobID(given) else {
            throw APIError.invalid(
                "job_id must be 1-\(caller.maxJobIDLength) characters of A-Z a-z 0-9 - _ =",
                field: "job_id"
            )
        }
        return given
    }

    /// The job's metadata as the gateway publishes it: the caller's, with `tenant` the
    /// caller's tenant whatever the request said.
    static func metadata(_ given: [String: String]?, caller: Caller) -> [String: String]? {
        var metadata = given ?? [:]
        metadata["tenant"] = caller.tenant
        return metadata.isEmpty ? nil : metadata
    }

    /// A file in the body: multipart (`file` part, optional `options` JSON part) or raw
    /// bytes. The file is streamed to a spool file, put in place only if the job is new;
    /// options may also come as query parameters.
    func uploadSubmission(_ request: Request, contentType: String, caller: Caller) async throws -> Submission {
        let clientID = try Self.jobID(Self.query(request, "job_id"), caller: caller)
        let path = try store.spoolPath()
        do {
            return try await receive(request, contentType: contentType, clientID: clientID, caller: caller, path: path)
        } catch {
            store.discard(receivedAt: path)
            throw error
        }
    }

    private func receive(
        _ request: Request,
        contentType: String,
        clientID: String,
        caller: Caller,
        path: String
    )
        async throws -> Submission
    {
        let upload: UploadedFile
        if contentType.hasPrefix("multipart/form-data") {
            guard let boundary = MultipartUpload.boundary(of: contentType) else {
                throw APIError.invalid("multipart body without a boundary")
            }
            upload = try await MultipartUpload.receive(
                request.body,
                boundary: boundary,
                to: path,
                maxBytes: configuration.maxUploadBytes
            )
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
                JobOptions.self,
                from: JSONSerialization.data(withJSONObject: optionFields)
            )
        } catch let error as DecodingError {
            throw APIError.invalid("options: \(error.summary)", field: error.fieldPath.map { "options.\($0)" })
        }
        let filename = Self.query(request, "filename") ?? upload.filename
        let callback = Self.query(request, "callback_url")
        let objectKey = caller.storeKey("sources/\(clientID)/source")
        let source = SourceDocument(
            url: store.presignedURL(.get, key: objectKey, lifetime: configuration.urlLifetime),
            contentType: upload.contentType,
            filename: filename,
            size: upload.bytes,
            sha256: upload.sha256
        )
        let job = JobRequest(
            jobID: caller.busID(clientID),
            source: source,
            result: ResultTarget(
                url: resultPutURL(caller.storeKey("results/\(clientID).md")),
                layoutURL: resultPutURL(caller.storeKey(Self.layoutKey(clientID)))
            ),
            options: options,
            metadata: Self.metadata(nil, caller: caller)
        )
        let asked = Submission.Asked(
            upload: .init(sha256: upload.sha256, bytes: upload.bytes, contentType: upload.contentType, filename: filename),
            options: options,
            callbackURL: callback
        )
        return Submission(
            clientID: clientID,
            job: job,
            callback: callback,
            asked: asked,
            upload: Submission.Upload(path: path, key: objectKey)
        )
    }

    func resultPutURL(_ key: String) -> String {
        store.presignedURL(.put, key: key, lifetime: configuration.urlLifetime)
    }

    /// Asks for the job to stop: recorded in KV (a job still queued is skipped when a worker
    /// takes it) and announced on `ocr.cancel.<id>` (the worker running it stops within a
    /// page). The job's `cancelled` event says when it has stopped.
    func cancel(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let (busID, state) = try await ownedJob(context)
        guard !state.state.isTerminal else {
            throw APIError(.conflict, code: "already_final", "job \(state.jobID) is already \(state.state.rawValue)")
        }
        do {
            try await streams.states().requestCancel(busID)
            try nats.publishCore(Subjects.cancel(jobID: busID), payload: [])
        } catch {
            throw APIError(.serviceUnavailable, code: "unavailable", "the cancel request cannot be recorded; try again")
        }
        return try jsonResponse(
            Accepted(jobID: state.jobID, state: state.state, base: configuration.publicURL),
            status: .accepted
        )
    }

    /// The job's stored `completed` event, if it has one.
    func completedEvent(of jobID: String) async throws -> JobCompleted? {
        let stored = StoredMessages(connection: nats, stream: StreamNames.events)
        guard let message = try await stored.last(on: Subjects.event(.completed, jobID: jobID)) else { return nil }
        guard case .completed(let completed) = try LifecycleEvent.decode(message.payload).data.body else { return nil }
        return completed
    }

    static func layoutKey(_ clientID: String) -> String { "results/\(clientID).layout.json" }

    /// The layout sidecar of a completed job whose engine reported blocks.
    func layout(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let (_, state) = try await ownedJob(context)
        let key = try context.requireCaller().storeKey(Self.layoutKey(state.jobID))
        guard state.state == .completed, let location = try await store.location(of: key) else {
            throw APIError.notFound("job \(state.jobID) has no layout (its engine reports none, or it is not completed)")
        }
        switch location {
        case .redirect(let url): return .redirect(to: url)
        case .file(let path):
            let body = try await FileIO().loadFile(path: path, context: context)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
        }
    }

    func result(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let (busID, state) = try await ownedJob(context)
        var summary = state.state == .completed ? state.result : nil
        if summary == nil {
            // `completed` is published a moment before the job's state says so: a client that
            // asks the instant it sees the event is served from the event.
            summary = try? await completedEvent(of: busID)?.result
        }
        guard let result = summary else {
            throw APIError(.conflict, code: "not_ready", "job \(state.jobID) is \(state.state.rawValue), not completed")
        }
        switch store.location(ofResult: result.url, under: try context.requireCaller().storeKey("")) {
        case nil: return .redirect(to: result.url)
        case .redirect(let url): return .redirect(to: url)
        case .file(let path):
            let body = try await FileIO().loadFile(path: path, context: context)
            return Response(status: .ok, headers: [.contentType: "text/markdown; charset=utf-8"], body: body)
        }
    }

    // MARK: Local store

    func storeKey(
        _ request: Request,
        _ context: GatewayRequestContext,
        _ method: LocalStore.Method
    ) throws
        -> (LocalStore, String)
    {
        guard let store = store.local else { throw APIError.notFound("this gateway keeps its files in S3") }
        let key = context.parameters.getCatchAll().joined(separator: "/").removingPercentEncoding ?? ""
        guard
            store.verify(
                method,
                objectKey: key,
                expires: Self.query(request, "expires"),
                signature: Self.query(request, "signature")
            )
        else {
            throw APIError(.forbidden, code: "forbidden", "the URL's signature is invalid or has expired")
        }
        return (store, key)
    }

    func storeGet(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let (store, key) = try storeKey(request, context, .get)
        let body = try await FileIO().loadFile(path: store.path(for: key), context: context)
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: body)
    }

    func storePut(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let (store, key) = try storeKey(request, context, .put)
        let path = store.path(for: key)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        _ = try await MultipartUpload.receiveRaw(request.body, to: path, maxBytes: configuration.maxUploadBytes)
        return Response(status: .ok)
    }

    // MARK: Helpers

    static func query(_ request: Request, _ name: String) -> String? {
        request.uri.queryParameters[Substring(name)].map { String($0).removingPercentEncoding ?? String($0) }
    }

    static func newJobID() -> String { "job-" + UUID().uuidString.lowercased() }
}
