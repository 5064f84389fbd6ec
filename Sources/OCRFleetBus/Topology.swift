import CNats
import Foundation
import Logging
import OCRFleetModel

/// The streams, consumer and KV bucket of the contract, created or brought up to date at
/// start-up by whichever process needs them; one whose NATS user may not change streams
/// (a worker on a fleet with per-user permissions) waits for them and uses them as they are.
/// Safe to run from many processes at once.
public struct FleetTopology: Sendable {
    public var replicas: Int
    /// Deliveries of a job before the consumer gives up on it: the workers' two budgets
    /// together, attempts that failed (`OCR_MAX_DELIVER`) and attempts whose worker was
    /// lost (`OCR_MAX_LOST_ATTEMPTS`).
    public var maxDeliver: Int
    /// How long a delivered job may go without an ack or in-progress ack.
    public var ackWait: Duration
    /// Fleet-wide cap on jobs in flight.
    public var maxAckPending: Int

    public init(replicas: Int = 1, maxDeliver: Int = 5, ackWait: Duration = .seconds(60), maxAckPending: Int = 1000) {
        self.replicas = replicas
        self.maxDeliver = maxDeliver
        self.ackWait = ackWait
        self.maxAckPending = maxAckPending
    }

    static let nanosecondsPerSecond: Int64 = 1_000_000_000

    /// How long `OCR_JOBS` drops a message whose id it has stored.
    public static let jobDuplicateWindow = Duration.seconds(600)

    /// How long `OCR_CACHE` keeps a cached result (docs/storage.md#result-cache).
    public static let cacheMaxAge = Duration.seconds(30 * 24 * 3600)

    /// Streams and KV bucket; every process that publishes calls this.
    public func ensureStreams(on nats: NATSConnection) async throws {
        let replicas = Int64(replicas)
        try await nats.blockingCall {
            let day = 24 * 3600 * Self.nanosecondsPerSecond
            try Self.ensureStream(
                nats,
                name: StreamNames.jobs,
                // The routes' subjects and no others: a job published anywhere else is refused
                // at once (no stream answers), not stored where no consumer would take it.
                subjects: [Subjects.jobs] + JobRoute.all.map(\.subject) + JobRoute.all.map(\.tenantSubjects),
                replicas: replicas
            ) { config in
                config.Retention = js_WorkQueuePolicy
                config.Duplicates = Self.jobDuplicateWindow.components.seconds * Self.nanosecondsPerSecond
            }
            try Self.ensureStream(
                nats,
                name: StreamNames.events,
                subjects: [Subjects.eventsWildcard],
                replicas: replicas
            ) { config in
                config.Retention = js_LimitsPolicy
                config.MaxAge = 7 * day
                config.Duplicates = 2 * 60 * Self.nanosecondsPerSecond
            }
            try Self.ensureStream(
                nats,
                name: StreamNames.deadLetters,
                subjects: [Subjects.deadLetters],
                replicas: replicas
            ) { config in
                config.Retention = js_LimitsPolicy
                config.MaxAge = 30 * day
                config.Duplicates = 10 * 60 * Self.nanosecondsPerSecond
            }
            try Self.ensureStream(
                nats,
                name: StreamNames.advisories,
                subjects: [Subjects.maxDeliveriesAdvisory],
                replicas: replicas
            ) { config in
                config.Retention = js_WorkQueuePolicy
                config.MaxAge = 30 * day
                // The server's own default, stated: left at 0, the stream it made would never
                // compare equal, and users that may not change streams would try to.
                config.Duplicates = 2 * 60 * Self.nanosecondsPerSecond
            }
            try Self.ensureStream(
                nats,
                name: StreamNames.cache,
                subjects: [Subjects.cacheWildcard],
                replicas: replicas
            ) { config in
                config.Retention = js_LimitsPolicy
                config.MaxAge = Self.cacheMaxAge.components.seconds * Self.nanosecondsPerSecond
                config.Duplicates = 2 * 60 * Self.nanosecondsPerSecond
                // A job stored again (a second attempt) replaces what its first stored.
                config.MaxMsgsPerSubject = 1
            }
            try Self.ensureBucket(nats, StreamNames.jobStateBucket, replicas: Int32(replicas), history: 5)
        }
    }

    /// Everything above plus the workers' durable pull consumer.
    public func ensureAll(on nats: NATSConnection) async throws {
        try await ensureStreams(on: nats)
        let topology = self
        try await nats.blockingCall { try topology.ensureConsumer(nats) }
    }

    /// `body` (setting up or binding to the streams) until it succeeds. A cluster still
    /// electing its leaders, or too busy to answer within the JetStream timeout, is a reason
    /// to wait, not to exit: each failure is logged and tried again after a wait that doubles
    /// from half a second to ten on `clock`. Ends early only when the task is cancelled.
    public static func untilReady<Result>(
        logger: Logger,
        clock: FleetClock = .continuous,
        _ body: () async throws -> Result
    ) async throws -> Result {
        var wait = Duration.milliseconds(500)
        while true {
            do {
                return try await body()
            } catch {
                try Task.checkCancellation()
                logger.warning(
                    "the job streams are not ready; trying again",
                    metadata: ["error": "\(error)", "retry_in": "\(wait)"]
                )
                try await clock.sleep(for: wait)
                wait = min(wait * 2, .seconds(10))
            }
        }
    }

    static func ensureStream(
        _ nats: NATSConnection,
        name: String,
        subjects: [String],
        replicas: Int64,
        configure: (inout jsStreamConfig) -> Void
    ) throws {
        var config = jsStreamConfig()
        jsStreamConfig_Init(&config)
        config.Storage = js_FileStorage
        config.Replicas = replicas
        configure(&config)
        var cSubjects = subjects.map { UnsafePointer<CChar>(strdup($0)) }
        defer { for subject in cSubjects { free(UnsafeMutablePointer(mutating: subject)) } }
        var info: UnsafeMutablePointer<jsStreamInfo>?
        var code = jsErrCode(rawValue: 0)
        var exists = false
        let status = name.withCString { cName in
            cSubjects.withUnsafeMutableBufferPointer { buffer in
                config.Name = cName
                config.Subjects = buffer.baseAddress
                config.SubjectsLen = Int32(buffer.count)
                // A stream already as wanted needs no write, so a user without the right to
                // create or change streams (the workers', docs/operations.md) gets by.
                exists = js_GetStreamInfo(&info, nats.jetStream, cName, nil, &code) == NATS_OK
                if exists, let current = info?.pointee.Config {
                    if Self.sameSettings(current.pointee, config) { return NATS_OK }
                    // A size cap an operator set (docs/operations.md) is kept through a change.
                    if config.MaxBytes <= 0 { config.MaxBytes = current.pointee.MaxBytes }
                }
                jsStreamInfo_Destroy(info)
                info = nil
                code = jsErrCode(rawValue: 0)
                var status = js_AddStream(&info, nats.jetStream, &config, nil, &code)
                if status != NATS_OK, code == JSStreamNameExistErr {
                    // Exists with other settings: bring it to ours.
                    code = jsErrCode(rawValue: 0)
                    status = js_UpdateStream(&info, nats.jetStream, &config, nil, &code)
                }
                return status
            }
        }
        jsStreamInfo_Destroy(info)
        // No JetStream answer to a change of a stream that exists: this user may not change
        // streams (the request is dropped, and times out). The stream is used as it is.
        if status != NATS_OK, exists, code.rawValue == 0 {
            nats.logger.warning(
                "stream \(name) has other settings than this process's, and they could not be changed; using it as it is",
                metadata: ["error": "\(NATSError("update stream \(name)", status: status))"]
            )
            return
        }
        try check("create stream \(name)", status, code)
    }

    /// Whether an existing stream has the settings `wanted` sets.
    private static func sameSettings(_ current: jsStreamConfig, _ wanted: jsStreamConfig) -> Bool {
        func subjects(_ config: jsStreamConfig) -> Set<String> {
            Set((0..<Int(config.SubjectsLen)).compactMap { config.Subjects?[$0].map { String(cString: $0) } })
        }
        return subjects(current) == subjects(wanted) && current.Retention == wanted.Retention
            && current.MaxAge == wanted.MaxAge && current.Duplicates == wanted.Duplicates
            && current.Replicas == wanted.Replicas && current.Storage == wanted.Storage
            // Only the review streams set these; the others keep the server's defaults.
            && (wanted.MaxMsgsPerSubject <= 0 || current.MaxMsgsPerSubject == wanted.MaxMsgsPerSubject)
            && (!wanted.AllowDirect || current.AllowDirect)
    }

    private func ensureConsumer(_ nats: NATSConnection) throws {
        // The interactive lane's consumer (`JobRoute.all`'s first) first: before lanes it took
        // every subject, and a work queue refuses a second consumer while one overlaps it.
        let consumers = JobRoute.all.map { ($0.consumer, $0.subject) } + [(StreamNames.unroutedConsumer, Subjects.jobs)]
        for (name, subject) in consumers {
            try Self.ensureConsumer(nats, name, on: StreamNames.jobs, filter: subject) { configureJobConsumer(&$0) }
        }
        // An advisory a worker could not handle (the bus away) comes back after a minute.
        try Self.ensureConsumer(nats, StreamNames.advisoryConsumer, on: StreamNames.advisories) { config in
            config.AckWait = 60 * Self.nanosecondsPerSecond
            config.MaxDeliver = -1
            config.DeliverPolicy = js_DeliverAll
            config.Replicas = Int64(replicas)
        }
    }

    /// The consumer of one tenant's jobs on `route`, made by the first worker that finds them
    /// waiting: the lanes' settings, with at most `maxRunning` of them delivered and not yet
    /// settled, which the server holds to across the fleet (docs/lanes.md#fair-share).
    public func ensureTenantConsumer(_ route: JobRoute, tenant: String, maxRunning: Int, on nats: NATSConnection) async throws {
        let topology = self
        try await nats.blockingCall {
            try Self.ensureConsumer(nats, route.consumer(tenant: tenant), on: StreamNames.jobs, filter: route.subject(tenant: tenant)) {
                config in
                topology.configureJobConsumer(&config)
                config.MaxAckPending = Int64(topology.tenantMaxAckPending(maxRunning))
            }
        }
    }

    /// A tenant's cap of jobs running on one route, as its consumer holds it.
    func tenantMaxAckPending(_ maxRunning: Int) -> Int { min(maxRunning, maxAckPending) }

    var ackWaitNanoseconds: Int64 { ackWait.components.seconds * Self.nanosecondsPerSecond }

    private func configureJobConsumer(_ config: inout jsConsumerConfig) {
        config.AckWait = ackWaitNanoseconds
        config.MaxDeliver = Int64(maxDeliver)
        config.MaxAckPending = Int64(maxAckPending)
        config.DeliverPolicy = js_DeliverAll
        config.Replicas = Int64(replicas)
    }

    /// The gateways' consumer of lifecycle events for webhooks: shared by every replica, so
    /// each event is delivered by one of them. It starts with the events published after it
    /// is first made; `maxDeliver` attempts per event.
    public func ensureWebhookConsumer(on nats: NATSConnection, maxDeliver: Int) async throws {
        let replicas = Int64(replicas)
        try await nats.blockingCall {
            try Self.ensureConsumer(nats, StreamNames.webhookConsumer, on: StreamNames.events) { config in
                config.AckWait = 30 * Self.nanosecondsPerSecond
                config.MaxDeliver = Int64(maxDeliver)
                config.MaxAckPending = 1000
                config.DeliverPolicy = js_DeliverNew
                config.Replicas = replicas
            }
        }
    }

    static func ensureConsumer(
        _ nats: NATSConnection,
        _ name: String,
        on stream: String,
        filter: String? = nil,
        configure: (inout jsConsumerConfig) -> Void
    ) throws {
        var config = jsConsumerConfig()
        jsConsumerConfig_Init(&config)
        config.AckPolicy = js_AckExplicit
        configure(&config)
        var info: UnsafeMutablePointer<jsConsumerInfo>?
        var code = jsErrCode(rawValue: 0)
        let status = name.withCString { durable in
            withOptionalCString(filter) { filter in
                config.Durable = durable
                config.FilterSubject = filter
                var status = js_AddConsumer(&info, nats.jetStream, stream, &config, nil, &code)
                if status != NATS_OK {
                    code = jsErrCode(rawValue: 0)
                    status = js_UpdateConsumer(&info, nats.jetStream, stream, &config, nil, &code)
                }
                return status
            }
        }
        jsConsumerInfo_Destroy(info)
        try check("create consumer \(name)", status, code)
    }

    static func ensureBucket(
        _ nats: NATSConnection,
        _ name: String,
        replicas: Int32,
        history: UInt8,
        maxValueSize: Int32 = -1
    ) throws {
        var kv: OpaquePointer?
        if js_KeyValue(&kv, nats.jetStream, name) == NATS_OK {
            kvStore_Destroy(kv)
            return
        }
        var config = kvConfig()
        kvConfig_Init(&config)
        config.History = history
        config.StorageType = js_FileStorage
        config.Replicas = replicas
        config.MaxValueSize = maxValueSize
        let status = name.withCString { bucket in
            config.Bucket = bucket
            return js_CreateKeyValue(&kv, nats.jetStream, &config)
        }
        kvStore_Destroy(kv)
        try check("create KV bucket \(name)", status)
    }
}
