import CNats
import Logging
import OCRFleetModel

/// Which durable pull consumer to bind to.
public struct ConsumerBinding: Sendable {
    public var stream: String
    public var consumer: String
    public var subject: String

    /// The interactive lane's consumer, `ocr-workers` (workers pull the lanes with `JobLanes`;
    /// tests and tools read one consumer with this).
    public static let workers = ConsumerBinding(
        stream: StreamNames.jobs,
        consumer: StreamNames.workerConsumer,
        subject: JobRoute(lane: .interactive, needsGPU: false).subject
    )
    /// The workers' consumer of max-deliveries advisories.
    public static let advisories = ConsumerBinding(
        stream: StreamNames.advisories,
        consumer: StreamNames.advisoryConsumer,
        subject: Subjects.maxDeliveriesAdvisory
    )
    /// The gateways' consumer of lifecycle events, for webhooks.
    public static let webhooks = ConsumerBinding(
        stream: StreamNames.events,
        consumer: StreamNames.webhookConsumer,
        subject: Subjects.eventsWildcard
    )
}

/// A binding to a durable pull consumer: the workers' `ocr-advisories`, the gateways' `ocr-webhooks`.
///
/// `@unchecked Sendable`: a pull subscription is used from one fetching thread at a time
/// (the worker's pull loop awaits each fetch), and libnats allows acks on its messages from
/// any thread. The subscription is destroyed only in `deinit`, after every message that
/// refers to it is gone.
public final class PullConsumer: @unchecked Sendable {
    private let subscription: OpaquePointer
    let connection: NATSConnection
    let binding: ConsumerBinding

    /// Binds to the existing consumer (create it first with `FleetTopology`): a consumer
    /// created by the library itself would be deleted when the subscription ends.
    public init(connection: NATSConnection, binding: ConsumerBinding = .workers) async throws {
        self.connection = connection
        self.binding = binding
        subscription = try await connection.blockingCall {
            var subOpts = jsSubOptions()
            jsSubOptions_Init(&subOpts)
            var subscription: OpaquePointer?
            var code = jsErrCode(rawValue: 0)
            let status = binding.stream.withCString { stream in
                binding.consumer.withCString { consumer in
                    subOpts.Stream = stream
                    subOpts.Consumer = consumer
                    return js_PullSubscribe(
                        &subscription,
                        connection.jetStream,
                        binding.subject,
                        consumer,
                        nil,
                        &subOpts,
                        &code
                    )
                }
            }
            try check("bind to consumer \(binding.consumer)", status, code)
            return HandleTransfer(raw: subscription!)
        }.raw
    }

    deinit {
        natsSubscription_Destroy(subscription)
    }

    /// Pulls up to `max` jobs, waiting at most `wait` for the first. Returns an empty list
    /// when none arrived; libnats 3.4 can time out early, which is the same thing.
    public func fetch(max: Int, wait: Duration) async throws -> [JetStreamMessage] {
        precondition(max > 0, "fetch at least one message")
        let timeout = wait.milliseconds
        return try await connection.blockingCall { [self, connection, binding] in
            var list = natsMsgList()
            var code = jsErrCode(rawValue: 0)
            let status = natsSubscription_Fetch(&list, subscription, Int32(max), timeout, &code)
            defer { natsMsgList_Destroy(&list) }
            if status == NATS_TIMEOUT { return [] }
            try check("fetch from \(binding.consumer)", status, code)
            var messages: [JetStreamMessage] = []
            for index in 0..<Int(list.Count) {
                guard let raw = list.Msgs[index] else { continue }
                // Take the message out of the list so destroying the list leaves it alone.
                list.Msgs[index] = nil
                messages.append(try JetStreamMessage(taking: raw, connection: connection))
            }
            return messages
        }
    }
}

extension PullConsumer {
    /// Pulled jobs as an async sequence. Before each fetch it asks `batchSize` how many jobs
    /// the caller can start (waiting there while it has no room), so no more are pulled than
    /// it can run; messages buffered past capacity could be redelivered elsewhere. The
    /// sequence ends when the task is cancelled or `shouldStop` says so, checked between
    /// fetches so a fetched job is never dropped. A failed fetch is tried again a second
    /// later on `clock`.
    public func messages(
        wait: Duration = .seconds(1),
        clock: FleetClock = .continuous,
        batchSize: @escaping @Sendable () async -> Int,
        shouldStop: @escaping @Sendable () -> Bool = { false }
    ) -> PulledMessages {
        PulledMessages(consumer: self, wait: wait, clock: clock, batchSize: batchSize, shouldStop: shouldStop)
    }
}

public struct PulledMessages: AsyncSequence, Sendable {
    public typealias Element = JetStreamMessage

    let consumer: PullConsumer
    let wait: Duration
    let clock: FleetClock
    let batchSize: @Sendable () async -> Int
    let shouldStop: @Sendable () -> Bool

    public func makeAsyncIterator() -> Iterator { Iterator(jobs: self) }

    public struct Iterator: AsyncIteratorProtocol {
        let jobs: PulledMessages
        var buffered: [JetStreamMessage] = []

        /// Fetch errors (NATS briefly away) are retried after a second, not thrown: the
        /// library reconnects by itself.
        public mutating func next() async -> JetStreamMessage? {
            while buffered.isEmpty {
                if Task.isCancelled || jobs.shouldStop() { return nil }
                let room = await jobs.batchSize()
                if Task.isCancelled || jobs.shouldStop() { return nil }
                do {
                    buffered = try await jobs.consumer.fetch(max: Swift.max(room, 1), wait: jobs.wait).reversed()
                } catch {
                    jobs.consumer.connection.logger.warning("fetch failed; retrying", metadata: ["error": "\(error)"])
                    try? await jobs.clock.sleep(for: .seconds(1))
                }
            }
            return buffered.popLast()
        }
    }
}
