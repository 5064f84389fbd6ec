import CNats
import Foundation
import Logging
import NIOPosix
import OCRFleetConfiguration
import OCRFleetMetrics
import Synchronization

/// How to reach NATS. Values come from the executables' configuration types.
public struct NATSConnectionOptions: Sendable {
    public var urls: [String]
    public var name: String
    public var user: String?
    public var password: String?
    public var credentialsFile: String?
    public var tlsCAFile: String?
    /// Prefix of reply subjects (inboxes); nil: libnats's `_INBOX`. A user allowed only its
    /// own prefix cannot read the replies sent to another.
    public var inboxPrefix: String?
    /// Time for the first connection before giving up; reconnects afterwards never give up.
    public var connectTimeout: Duration

    public init(
        urls: [String] = ["nats://127.0.0.1:4222"],
        name: String,
        user: String? = nil,
        password: String? = nil,
        credentialsFile: String? = nil,
        tlsCAFile: String? = nil,
        inboxPrefix: String? = nil,
        connectTimeout: Duration = .seconds(30)
    ) {
        self.urls = urls
        self.name = name
        self.user = user
        self.password = password
        self.credentialsFile = credentialsFile
        self.tlsCAFile = tlsCAFile
        self.inboxPrefix = inboxPrefix
        self.connectTimeout = connectTimeout
    }
}

extension NATSConnectionOptions {
    /// The shared `OCR_NATS_*` settings of an executable.
    public init(settings: SettingsReader, name: String) {
        self.init(
            urls: settings.list(CommonSettings.natsURL, default: ["nats://127.0.0.1:4222"]),
            name: name,
            user: settings.string(CommonSettings.natsUser),
            password: settings.string(CommonSettings.natsPassword),
            credentialsFile: settings.string(CommonSettings.natsCreds),
            tlsCAFile: settings.string(CommonSettings.natsTLSCA),
            inboxPrefix: settings.string(CommonSettings.natsInboxPrefix)
        )
    }
}

/// One connection to NATS with its JetStream context.
///
/// `@unchecked Sendable`: nats.c documents connections, JetStream contexts and KV handles as
/// safe to use from any thread; the pointers are set once in `init` and released only in
/// `deinit`, when no other reference exists.
public final class NATSConnection: @unchecked Sendable {
    let connection: OpaquePointer
    let jetStream: OpaquePointer
    private let events: ConnectionEvents
    /// Threads for calls that block (fetch, publish with ack, KV, flush), so they never
    /// occupy Swift's cooperative pool.
    let blocking: NIOThreadPool
    /// Where this client's reply subjects begin (`OCR_NATS_INBOX_PREFIX`, else `_INBOX`): its
    /// user may read only those.
    let inboxPrefix: String
    public let logger: Logger

    private init(
        connection: OpaquePointer,
        jetStream: OpaquePointer,
        events: ConnectionEvents,
        blocking: NIOThreadPool,
        inboxPrefix: String,
        logger: Logger
    ) {
        self.connection = connection
        self.jetStream = jetStream
        self.events = events
        self.blocking = blocking
        self.inboxPrefix = inboxPrefix
        self.logger = logger
    }

    deinit {
        jsCtx_Destroy(jetStream)
        natsConnection_Destroy(connection)
        blocking.shutdownGracefully { _ in }
    }

    /// Connects, retrying until `connectTimeout`; afterwards the library reconnects for ever
    /// and buffers publishes while disconnected.
    public static func connect(
        _ options: NATSConnectionOptions,
        logger: Logger,
        blockingThreads: Int = 8
    )
        async throws -> NATSConnection
    {
        let blocking = NIOThreadPool(numberOfThreads: blockingThreads)
        blocking.start()
        let events = ConnectionEvents(logger: logger)
        do {
            let handles = try await blocking.runIfActive { try Self.open(options, events: events) }
            return NATSConnection(
                connection: handles.0.raw,
                jetStream: handles.1.raw,
                events: events,
                blocking: blocking,
                inboxPrefix: options.inboxPrefix ?? "_INBOX",
                logger: logger
            )
        } catch {
            try? await blocking.shutdownGracefully()
            throw error
        }
    }

    private static func open(
        _ options: NATSConnectionOptions,
        events: ConnectionEvents
    ) throws
        -> (HandleTransfer, HandleTransfer)
    {
        // libnats may run a callback after the connection is destroyed, so the callbacks'
        // context is retained for the life of the process (one small object per connection).
        let context = Unmanaged.passRetained(events).toOpaque()
        var opts: OpaquePointer?
        try check("natsOptions_Create", natsOptions_Create(&opts))
        defer { natsOptions_Destroy(opts) }
        var servers = options.urls.map { strdup($0) }
        defer { for server in servers { free(server) } }
        try servers.withUnsafeMutableBufferPointer { buffer in
            try buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) {
                try check("natsOptions_SetServers", natsOptions_SetServers(opts, $0, Int32(buffer.count)))
            }
        }
        try check("natsOptions_SetName", natsOptions_SetName(opts, options.name))
        if let user = options.user {
            try check("natsOptions_SetUserInfo", natsOptions_SetUserInfo(opts, user, options.password))
        }
        if let creds = options.credentialsFile {
            try check(
                "natsOptions_SetUserCredentialsFromFiles",
                natsOptions_SetUserCredentialsFromFiles(opts, creds, nil)
            )
        }
        if let ca = options.tlsCAFile {
            try check("natsOptions_SetSecure", natsOptions_SetSecure(opts, true))
            try check("natsOptions_LoadCATrustedCertificates", natsOptions_LoadCATrustedCertificates(opts, ca))
        }
        if let prefix = options.inboxPrefix {
            try check("natsOptions_SetCustomInboxPrefix", natsOptions_SetCustomInboxPrefix(opts, prefix))
        }
        try check("natsOptions_SetMaxReconnect", natsOptions_SetMaxReconnect(opts, -1))
        try check("natsOptions_SetReconnectWait", natsOptions_SetReconnectWait(opts, 500))
        try check("natsOptions_SetReconnectBufSize", natsOptions_SetReconnectBufSize(opts, 32 * 1024 * 1024))
        // Failover within seconds (docs/operations.md, "NATS cluster"): a server that has answered
        // no ping for two to three seconds is left for another, and the requests waiting on it
        // fail then rather than at their timeout, so that callers try them again over the new
        // connection; a server that does not take a connection within a second is passed over.
        try check("natsOptions_SetPingInterval", natsOptions_SetPingInterval(opts, 1_000))
        try check("natsOptions_SetMaxPingsOut", natsOptions_SetMaxPingsOut(opts, 2))
        try check("natsOptions_SetFailRequestsOnDisconnect", natsOptions_SetFailRequestsOnDisconnect(opts, true))
        try check("natsOptions_SetTimeout", natsOptions_SetTimeout(opts, 1_000))
        try check("natsOptions_SetErrorHandler", natsOptions_SetErrorHandler(opts, onAsyncError, context))
        try check("natsOptions_SetDisconnectedCB", natsOptions_SetDisconnectedCB(opts, onDisconnected, context))
        try check("natsOptions_SetReconnectedCB", natsOptions_SetReconnectedCB(opts, onReconnected, context))
        try check("natsOptions_SetClosedCB", natsOptions_SetClosedCB(opts, onClosed, context))

        // A server that is still starting refuses the first connect: retry until the deadline.
        let deadline = ContinuousClock.now + options.connectTimeout
        var connection: OpaquePointer?
        while true {
            let status = natsConnection_Connect(&connection, opts)
            if status == NATS_OK { break }
            if ContinuousClock.now >= deadline {
                throw NATSError("connect to \(options.urls.joined(separator: ","))", status: status)
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
        var jetStream: OpaquePointer?
        var jsOpts = jsOptions()
        jsOptions_Init(&jsOpts)
        jsOpts.Wait = Self.jetStreamWait
        let status = natsConnection_JetStream(&jetStream, connection, &jsOpts)
        if status != NATS_OK {
            natsConnection_Destroy(connection)
            throw NATSError("natsConnection_JetStream", status: status)
        }
        return (HandleTransfer(raw: connection!), HandleTransfer(raw: jetStream!))
    }

    /// How long a JetStream request (publish, KV, ack) waits for its answer, in milliseconds.
    /// A healthy cluster answers within milliseconds; an answer later than a few seconds waits
    /// on a leader election (4 to 9 s), and asking again, perhaps over a new connection or of a
    /// new leader, beats waiting out a longer timeout.
    static let jetStreamWait: Int64 = 5_000

    public var isConnected: Bool { natsConnection_Status(connection) == NATS_CONN_STATUS_CONNECTED }

    /// How many times the connection came back after losing the server.
    public var reconnects: Int { events.reconnects }

    /// What the server refused this connection, oldest first (its last 100 `Permissions
    /// Violation for Publish to "…"` / `… Subscription to "…"` errors): a user without a
    /// permission it needs shows here and in the log.
    public var permissionViolations: [String] { events.permissionViolations }

    /// Runs a blocking libnats call on the connection's own threads.
    func blockingCall<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await blocking.runIfActive(body)
    }

    /// Like `blockingCall`, but runs `body` even when the calling task is cancelled first: for
    /// what must go out once asked for (an ack, nak or term of a job that was stopped).
    func blockingCallIgnoringCancellation<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            blocking.submit { state in
                switch state {
                case .active: continuation.resume(with: Result(catching: body))
                case .cancelled: continuation.resume(throwing: CancellationError())
                }
            }
        }
    }

    /// Runs `body` on the connection's threads without waiting for it; inline when they
    /// have stopped, so it always runs.
    func blockingCallInBackground(_ body: @escaping @Sendable () -> Void) {
        blocking.submit { _ in body() }
    }

    /// Publishes to a stream subject and waits for the stream's acknowledgement.
    /// `messageID` sets `Nats-Msg-Id`, which the stream de-duplicates on.
    @discardableResult
    public func publish(
        _ subject: String,
        payload: [UInt8],
        headers: [String: String] = [:],
        messageID: String? = nil
    )
        async throws -> UInt64
    {
        try await blockingCall { [self] in
            let message = try OutgoingMessage(subject: subject, payload: payload, headers: headers)
            var pubOpts = jsPubOptions()
            jsPubOptions_Init(&pubOpts)
            pubOpts.MaxWait = Self.jetStreamWait
            var ack: UnsafeMutablePointer<jsPubAck>?
            var code = jsErrCode(rawValue: 0)
            let status = withOptionalCString(messageID) { id in
                pubOpts.MsgId = id
                return js_PublishMsg(&ack, jetStream, message.pointer, &pubOpts, &code)
            }
            defer { jsPubAck_Destroy(ack) }
            try check("publish to \(subject)", status, code)
            return ack?.pointee.Sequence ?? 0
        }
    }

    /// Publishes on core NATS without waiting for a stream (fire and forget).
    public func publishCore(_ subject: String, payload: [UInt8], headers: [String: String] = [:]) throws {
        let message = try OutgoingMessage(subject: subject, payload: payload, headers: headers)
        try check("publish to \(subject)", natsConnection_PublishMsg(connection, message.pointer))
    }

    /// Waits until the server has processed everything sent so far.
    public func flush() async throws {
        try await blockingCall { [self] in try check("flush", natsConnection_Flush(connection)) }
    }

    /// Drains subscriptions and pending publishes, then closes.
    public func drain(timeout: Duration = .seconds(10)) async throws {
        let closed = events.waitForClose()
        try check("drain", natsConnection_DrainTimeout(connection, Int64(timeout.components.seconds * 1000)))
        await closed()
    }

    /// Closes at once; pending messages are dropped.
    public func close() {
        natsConnection_Close(connection)
    }
}

/// A message built for sending, destroyed when done.
struct OutgoingMessage: ~Copyable {
    let pointer: OpaquePointer

    init(subject: String, payload: [UInt8], headers: [String: String]) throws(NATSError) {
        var message: OpaquePointer?
        let status = payload.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) {
                natsMsg_Create(&message, subject, nil, $0.baseAddress, Int32($0.count))
            }
        }
        try check("natsMsg_Create", status)
        for (key, value) in headers {
            let status = natsMsgHeader_Set(message, key, value)
            if status != NATS_OK {
                natsMsg_Destroy(message)
                throw NATSError("natsMsgHeader_Set \(key)", status: status)
            }
        }
        pointer = message!
    }

    deinit { natsMsg_Destroy(pointer) }
}

func withOptionalCString<T>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}

/// Receives the connection's callbacks on libnats threads and logs them; counts
/// reconnects, keeps the server's permission refusals and lets `drain` wait for the close.
final class ConnectionEvents: Sendable {
    let logger: Logger
    private let state = Mutex<(reconnects: Int, closeWaiters: [CheckedContinuation<Void, Never>], closed: Bool)>(
        (0, [], false)
    )
    private let violations = Mutex<[String]>([])

    init(logger: Logger) { self.logger = logger }

    var reconnects: Int { state.withLock { $0.reconnects } }

    var permissionViolations: [String] { violations.withLock { $0 } }

    func refused(_ detail: String) {
        violations.withLock { list in
            list.append(detail)
            if list.count > 100 { list.removeFirst() }
        }
    }

    func reconnected() {
        state.withLock { $0.reconnects += 1 }
        FleetMetrics.natsReconnected()
    }

    func didClose() {
        let waiters = state.withLock { state in
            state.closed = true
            defer { state.closeWaiters = [] }
            return state.closeWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func waitForClose() -> @Sendable () async -> Void {
        { [self] in
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if state.closed { return true }
                    state.closeWaiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }
}

private func events(_ closure: UnsafeMutableRawPointer?) -> ConnectionEvents {
    Unmanaged<ConnectionEvents>.fromOpaque(closure!).takeUnretainedValue()
}

private let onAsyncError: natsErrHandler = { _, _, status, closure in
    // libnats hands the server's words (for a refusal: which subject) over as this thread's last error.
    var lastStatus = NATS_OK
    let detail = nats_GetLastError(&lastStatus).map { String(cString: $0) } ?? ""
    if status == NATS_NOT_PERMITTED { events(closure).refused(detail) }
    events(closure).logger.warning(
        "NATS asynchronous error",
        metadata: ["status": "\(String(cString: natsStatus_GetText(status)))", "detail": "\(detail)"]
    )
}

private let onDisconnected: natsConnectionHandler = { connection, closure in
    // A drain or close also ends in a disconnect; only a lost server is worth a warning.
    guard natsConnection_Status(connection) == NATS_CONN_STATUS_RECONNECTING else { return }
    events(closure).logger.warning("disconnected from NATS; reconnecting")
}

private let onReconnected: natsConnectionHandler = { _, closure in
    events(closure).reconnected()
    events(closure).logger.notice("reconnected to NATS")
}

private let onClosed: natsConnectionHandler = { _, closure in
    events(closure).didClose()
}
