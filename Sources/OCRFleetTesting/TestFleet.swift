import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import OCRFleetAPI
import OCRFleetBus
import OCRFleetClient
import OCRFleetContent
import OCRFleetEngines
import OCRFleetGateway
import OCRFleetModel
import OCRFleetWorker
import ServiceLifecycle
import Synchronization

/// A whole fleet on loopback for one test: a real nats-server, the gateway and a worker
/// running in-process, and an HTTP client. Start one with `withFleet`.
public struct TestFleet: Sendable {
    public let server: NATSServerProcess
    public let nats: NATSConnection
    public let gatewayURL: String
    /// The gateway's store, with its secret, for presigning URLs in tests.
    public let store: LocalStore
    public let http: HTTPClient

    /// The gateway's API through the client `ocrctl` uses, as `token`'s tenant.
    public func client(token: String? = nil) throws -> GatewayClient {
        try GatewayClient(baseURL: gatewayURL, token: token, http: http, timeout: .seconds(30))
    }

    /// Uploads a file to `POST /v1/jobs` as its body, streamed; returns the job id.
    @discardableResult
    public func submit(
        file path: String,
        jobID: String,
        options: Components.Schemas.Options = .init()
    ) async throws -> String {
        try await client().submit(file: path, jobID: jobID, options: options).jobId
    }

    /// Sends any request to the gateway and returns status and body.
    public func request(
        _ method: String,
        _ path: String,
        body: [UInt8]? = nil,
        contentType: String? = nil,
        token: String? = nil,
        headers: [String: String] = [:]
    ) async throws -> (status: Int, body: String) {
        let answer = try await exchange(method, path, body: body, contentType: contentType, token: token, headers: headers)
        return (answer.status, answer.body)
    }

    /// Sends any request to the gateway and returns status, headers and body.
    public func exchange(
        _ method: String,
        _ path: String,
        body: [UInt8]? = nil,
        contentType: String? = nil,
        token: String? = nil,
        headers: [String: String] = [:]
    ) async throws -> (status: Int, headers: [String: String], body: String) {
        var request = HTTPClientRequest(url: gatewayURL + path)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await http.execute(request, timeout: .seconds(30))
        let data = try await response.body.collect(upTo: 64 << 20)
        let headers = Dictionary(response.headers.map { ($0.name.lowercased(), $0.value) }) { first, _ in first }
        return (Int(response.status.code), headers, String(buffer: data))
    }

    /// Runs `body` with another gateway replica on the same NATS server (as the gateway's user,
    /// when the server has users) and store (and store secret); `body` gets its base URL. It
    /// stops when `body` returns.
    public func withAnotherGateway<T>(
        environment: [String: String] = [:],
        _ body: (String) async throws -> T
    )
        async throws -> T
    {
        var logger = Logger(label: "second-gateway")
        logger.logLevel = .warning
        var nats = self.nats
        if let users = server.users {
            nats = try await NATSConnection.connect(
                users.options(.gateway, url: server.url, name: "second gateway"),
                logger: logger
            )
        }
        defer { if nats !== self.nats { nats.close() } }
        // Its URLs name the first replica (OCR_PUBLIC_URL), so it may take any free port.
        let configuration = try GatewayConfiguration(
            arguments: ["ocr-gateway"],
            environment: [
                "OCR_NATS_URL": server.url, "OCR_HTTP_PORT": "0", "OCR_STORE_DIR": store.directory,
                "OCR_STORE_SECRET": "test-secret", "OCR_PUBLIC_URL": store.publicBaseURL,
                "OCR_EGRESS_ALLOW": LoopbackEgress.allow,
            ].merging(environment) { _, new in new }
        )
        let gateway = try Gateway(configuration: configuration, nats: nats, logger: logger)
        let services = try await RunningServices.start("the second gateway", logger: logger) { ready in
            [.init(service: gateway.makeApplication(onServerRunning: ready))] + gateway.backgroundServices
        }
        let base = "http://127.0.0.1:\(services.port)"
        return try await services.whileRunning {
            try await Self.waitUntilReady(base, http: http)
            return try await body(base)
        }
    }

    /// Polls the gateway at `base` until `/readyz` answers 200: its streams are prepared in the
    /// background, after it starts serving.
    public static func waitUntilReady(_ base: String, http: HTTPClient, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let response = try? await http.execute(HTTPClientRequest(url: base + "/readyz"), timeout: .seconds(10)),
                response.status == .ok
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestEnvironmentError("the gateway at \(base) was not ready within \(timeout)")
    }

    /// Polls `GET /v1/jobs/{id}` (as `token`'s tenant) until the job is completed, failed or cancelled.
    public func waitForTerminalState(
        _ jobID: String,
        token: String? = nil,
        timeout: Duration = .seconds(120)
    )
        async throws -> JobState
    {
        let client = try self.client(token: token)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            do {
                let state = try await client.state(jobID)
                if state.state.isTerminal { return state }
            } catch let error as GatewayError where error.status != nil {
                // Not there yet (404), or the gateway is not ready: ask again.
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestEnvironmentError("job \(jobID) did not finish within \(timeout)")
    }

    /// Subscribes to a job's lifecycle events; read them with `EventRecorder.events`.
    public func recordEvents(_ subject: String = Subjects.eventsWildcard) throws -> EventRecorder {
        try EventRecorder(subscription: CoreSubscription(connection: nats, subject: subject))
    }
}

/// Collects lifecycle events from a subscription in arrival order.
public final class EventRecorder: Sendable {
    private let subscription: CoreSubscription

    init(subscription: CoreSubscription) { self.subscription = subscription }

    /// Events up to and including the first for which `until` is true; fails after `timeout`.
    public func events(
        timeout: Duration = .seconds(120),
        until: @escaping @Sendable (LifecycleEvent) -> Bool
    )
        async throws -> [LifecycleEvent]
    {
        let (events, finished) = try await collect(for: timeout, until: until)
        guard finished else { throw TestEnvironmentError("the awaited event did not arrive within \(timeout)") }
        return events
    }

    /// The first `count` events; fails after `timeout`.
    public func events(count: Int, timeout: Duration = .seconds(120)) async throws -> [LifecycleEvent] {
        let seen = EventList()
        return try await events(timeout: timeout) { event in
            seen.append(event)
            return seen.all.count >= count
        }
    }

    /// Every event that arrives during `window`.
    public func events(during window: Duration) async throws -> [LifecycleEvent] {
        try await collect(for: window) { _ in false }.events
    }

    private func collect(
        for limit: Duration,
        until: @escaping @Sendable (LifecycleEvent) -> Bool
    ) async throws
        -> (events: [LifecycleEvent], finished: Bool)
    {
        let subscription = self.subscription
        let collected = EventList()
        let finished = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await message in subscription {
                    let event = try LifecycleEvent.decode(message.payload)
                    collected.append(event)
                    if until(event) { return true }
                }
                return false
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return false
            }
            let first = try await group.next()!
            group.cancelAll()
            return first
        }
        subscription.cancel()
        return (collected.all, finished)
    }
}

private final class EventList: Sendable {
    private let events = Mutex<[LifecycleEvent]>([])
    func append(_ event: LifecycleEvent) { events.withLock { $0.append(event) } }
    var all: [LifecycleEvent] { events.withLock { $0 } }
}

/// Runs `body` with a fresh fleet. `workerEnvironment` and `gatewayEnvironment` adjust their
/// `OCR_*` environments (e.g. `OCR_MAX_DELIVER`); without `runWorker` only NATS and the
/// gateway run, for tests that start worker processes themselves. With `natsUsers` the server
/// admits only the users of `deploy/nats-users.conf`: the gateway and the worker connect as
/// theirs, and the fleet's `nats` is ocrctl's. With `childTestFaults` the worker's document
/// children abort on a PDF carrying `DocumentChildServer.testAbortMarker`.
public func withFleet<T>(
    workerEnvironment: [String: String] = [:],
    gatewayEnvironment: [String: String] = [:],
    runWorker: Bool = true,
    natsUsers: Bool = false,
    childTestFaults: Bool = false,
    _ body: (TestFleet) async throws -> T
) async throws -> T {
    try await withNATSServer(users: natsUsers ? FleetNATSUsers() : nil) { server in
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        func connect(_ role: FleetNATSUsers.Role) async throws -> NATSConnection {
            let options = server.users?.options(role, url: server.url, name: "test \(role)")
            return try await NATSConnection.connect(options ?? .init(urls: [server.url], name: "test"), logger: logger)
        }
        let nats = try await connect(.ocrctl)
        let gatewayNATS = server.users == nil ? nats : try await connect(.gateway)
        let workerNATS = server.users == nil ? nats : try await connect(.worker)
        let store = NSTemporaryDirectory() + "ocrfleet-store-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: store) }
        var workerConfiguration = try WorkerConfiguration(
            arguments: ["ocr-worker"],
            environment: [
                "OCR_NATS_URL": server.url, "OCR_WORKER_NAME": "test-worker", "OCR_RETRY_BASE_S": "0.2",
                "OCR_CONNECT_TIMEOUT_S": "1", "OCR_SHUTDOWN_GRACE_S": "2", "OCR_EGRESS_ALLOW": LoopbackEgress.allow,
            ]
            .merging(workerEnvironment) { _, new in new }
        )
        workerConfiguration.childTestFaults = childTestFaults
        // The gateway's port is in the URLs it signs, so it is chosen before the gateway binds
        // it; another process may take it in between, and then the gateway starts on another.
        var attempt = 0
        var port = 0
        var gatewayConfiguration: GatewayConfiguration
        var services: RunningServices
        while true {
            attempt += 1
            port = try await FreePort.find()
            gatewayConfiguration = try GatewayConfiguration(
                arguments: ["ocr-gateway"],
                environment: [
                    "OCR_NATS_URL": server.url, "OCR_HTTP_PORT": "\(port)", "OCR_STORE_DIR": store,
                    "OCR_STORE_SECRET": "test-secret", "OCR_EGRESS_ALLOW": LoopbackEgress.allow,
                ]
                .merging(gatewayEnvironment) { _, new in new }
            )
            let gateway = try Gateway(configuration: gatewayConfiguration, nats: gatewayNATS, logger: logger)
            try await gateway.prepareStreams()
            do {
                services = try await RunningServices.start("the gateway", logger: logger) { ready in
                    // The streams are ready already (above), so of the background services only webhooks run.
                    var services: [ServiceGroupConfiguration.ServiceConfiguration] =
                        [.init(service: gateway.makeApplication(onServerRunning: ready))]
                        + (gateway.webhookDelivery.map { [$0] } ?? [])
                    if runWorker {
                        let engines = try EngineRouter(workerConfiguration)
                        services.append(
                            .init(
                                service: Worker(
                                    configuration: workerConfiguration,
                                    nats: workerNATS,
                                    engines: engines,
                                    logger: logger
                                )
                            )
                        )
                    }
                    return services
                }
                break
            } catch  where attempt < 3 && "\(error)".contains("Address already in use") {
                continue
            }
        }
        let fleet = TestFleet(
            server: server,
            nats: nats,
            gatewayURL: "http://127.0.0.1:\(port)",
            store: try LocalStore(
                directory: store,
                publicBaseURL: gatewayConfiguration.publicURL,
                secret: Array("test-secret".utf8)
            ),
            http: .shared
        )
        // Stopped the way the executables stop: stop pulling, finish jobs in flight, close the server.
        return try await services.whileRunning { try await body(fleet) }
    }
}

extension CoreSubscription {
    /// Ends the subscription after `limit`, so a test waiting for messages that never come
    /// fails instead of hanging.
    @discardableResult
    public func cancel(after limit: Duration) -> Task<Void, Never> {
        Task { [self] in
            try? await Task.sleep(for: limit)
            cancel()
        }
    }
}

extension TestFleet {
    /// Puts `fixture` in the gateway's store under `inbox/`, as an upstream service's store
    /// holds a document, and returns a presigned GET of it and a presigned PUT for its
    /// markdown under `outbox/`, valid for ten minutes.
    public func storedDocument(_ fixture: String) throws -> (source: String, result: String) {
        let key = "inbox/\(fixture)"
        try FileManager.default.createDirectory(atPath: store.directory + "/inbox", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path(fixture), toPath: store.path(for: key))
        let expires = Date().addingTimeInterval(600)
        let name = (fixture as NSString).deletingPathExtension
        return (
            store.presignedURL(.get, objectKey: key, expires: expires),
            store.presignedURL(.put, objectKey: "outbox/\(name).md", expires: expires)
        )
    }

    /// A job for `fixture`, put in the gateway's store under `sources/<jobID>/`, its markdown
    /// going to `results/<jobID>.md` and, when asked, `chunks.jsonl` and `extraction.json` beside
    /// it; every URL presigned for ten minutes.
    public func storedJob(
        _ jobID: String,
        _ fixture: String,
        options: JobOptions,
        chunksURL: Bool = false,
        extractionURL: Bool = false
    ) throws -> JobRequest {
        let expires = Date().addingTimeInterval(600)
        let key = "sources/\(jobID)/source"
        let path = store.path(for: key)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path(fixture), toPath: path)
        func put(_ name: String) -> String { store.presignedURL(.put, objectKey: "results/\(jobID)\(name)", expires: expires) }
        return JobRequest(
            jobID: jobID,
            source: SourceDocument(url: store.presignedURL(.get, objectKey: key, expires: expires)),
            result: ResultTarget(
                url: put(".md"),
                chunksURL: chunksURL ? put(".chunks.jsonl") : nil,
                extractionURL: extractionURL ? put(".extraction.json") : nil
            ),
            options: options
        )
    }
}
