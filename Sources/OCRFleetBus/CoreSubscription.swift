import CNats
import OCRFleetModel
import Synchronization

/// A message received on a core NATS subscription, copied out of libnats.
public struct ReceivedMessage: Sendable {
    public var subject: String
    public var payload: [UInt8]
    public var headers: [String: String]
}

/// A NATS subscription delivered as an async sequence: core NATS, or a stream's kept messages
/// replayed and followed live. Messages arrive on a libnats
/// thread and are handed to Swift concurrency through an `AsyncStream` continuation, which
/// is safe to call from any thread.
public final class CoreSubscription: AsyncSequence, Sendable {
    public typealias Element = ReceivedMessage

    private let stream: AsyncStream<ReceivedMessage>
    private let sink: Sink
    private let subscription: Mutex<SubscriptionHandle?>
    /// For a replay: the connection whose threads delete its consumer when it ends.
    private let replayConnection: NATSConnection?

    final class Sink: Sendable {
        let continuation: AsyncStream<ReceivedMessage>.Continuation
        init(_ continuation: AsyncStream<ReceivedMessage>.Continuation) { self.continuation = continuation }

        /// The callbacks' context: the sink, retained by `retainForCallbacks` until libnats
        /// completes the subscription (or `releaseFromCallbacks` when it was never made).
        var context: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }
        func retainForCallbacks() { _ = Unmanaged.passRetained(self) }
        func releaseFromCallbacks() { Unmanaged.passUnretained(self).release() }
    }

    public init(connection: NATSConnection, subject: String, buffer: Int = 10_000) throws {
        let (messages, sink) = Self.makeSink(buffer: buffer)
        self.stream = messages
        self.sink = sink
        replayConnection = nil
        sink.retainForCallbacks()
        var raw: OpaquePointer?
        let status = natsConnection_Subscribe(&raw, connection.connection, subject, onMessage, sink.context)
        guard status == NATS_OK, let raw else {
            sink.releaseFromCallbacks()
            throw NATSError("subscribe to \(subject)", status: status)
        }
        subscription = Mutex(Self.completing(raw, context: sink.context))
    }

    /// Everything `stream` keeps on `subject`, oldest first, then what arrives live: an
    /// ordered JetStream consumer (ephemeral, flow-controlled, re-created by libnats if the
    /// server loses it). Creating the consumer, and deleting it when the subscription ends,
    /// are round trips to the server that run on the connection's threads.
    public init(
        replaying stream: String,
        subject: String,
        connection: NATSConnection,
        buffer: Int = 10_000
    )
        async throws
    {
        let (messages, sink) = Self.makeSink(buffer: buffer)
        self.stream = messages
        self.sink = sink
        replayConnection = connection
        sink.retainForCallbacks()
        let raw: HandleTransfer
        do {
            raw = try await connection.blockingCall {
                var options = jsSubOptions()
                jsSubOptions_Init(&options)
                options.Ordered = true
                options.Config.DeliverPolicy = js_DeliverAll
                var raw: OpaquePointer?
                var code = jsErrCode(rawValue: 0)
                let status = stream.withCString { name in
                    options.Stream = name
                    return js_Subscribe(&raw, connection.jetStream, subject, onMessage, sink.context, nil, &options, &code)
                }
                guard status == NATS_OK, let raw else {
                    throw NATSError("replay \(subject) from \(stream)", status: status, jetStreamCode: code)
                }
                return HandleTransfer(raw: raw)
            }
        } catch {
            sink.releaseFromCallbacks()
            throw error
        }
        subscription = Mutex(Self.completing(raw.raw, context: sink.context))
    }

    private static func makeSink(buffer: Int) -> (AsyncStream<ReceivedMessage>, Sink) {
        let (messages, continuation) = AsyncStream.makeStream(
            of: ReceivedMessage.self,
            bufferingPolicy: .bufferingNewest(buffer)
        )
        return (messages, Sink(continuation))
    }

    /// The sink is released by the on-complete callback, which libnats runs after the last
    /// message callback of the closed subscription has returned.
    private static func completing(_ raw: OpaquePointer, context: UnsafeMutableRawPointer) -> SubscriptionHandle {
        natsSubscription_SetOnCompleteCB(raw, onComplete, context)
        return SubscriptionHandle(raw: raw)
    }

    deinit { cancel() }

    /// Ends the subscription and the sequence. Returns at once: a replay's consumer is
    /// deleted on the connection's threads.
    public func cancel() {
        if let handle = subscription.withLock({ $0.take() }) {
            if let replayConnection {
                replayConnection.blockingCallInBackground { withExtendedLifetime(replayConnection) { handle.close() } }
            } else {
                handle.close()
            }
        }
        sink.continuation.finish()
    }

    public func makeAsyncIterator() -> AsyncStream<ReceivedMessage>.Iterator { stream.makeAsyncIterator() }

    /// Ends the subscription once `quiet` passes on `clock` without a call to the watch's
    /// `heard()`: for replays of a history that may have nothing more to say.
    public func endWhenQuiet(for quiet: Duration, clock: FleetClock = .continuous) -> QuietWatch {
        QuietWatch(self, quiet: quiet, clock: clock)
    }
}

/// Ends a subscription that falls quiet; call `heard()` on every message, `stop()` when done.
public final class QuietWatch: Sendable {
    private final class Moment: Sendable {
        let value: Mutex<FleetClock.Instant>
        init(_ instant: FleetClock.Instant) { value = Mutex(instant) }
    }

    private let lastHeard: Moment
    private let clock: FleetClock
    private let task: Task<Void, Never>

    init(_ subscription: CoreSubscription, quiet: Duration, clock: FleetClock) {
        let lastHeard = Moment(clock.now)
        self.lastHeard = lastHeard
        self.clock = clock
        // Sleeps until the quiet would end, and again from the last message if one came since.
        task = Task {
            while !Task.isCancelled {
                let end = lastHeard.value.withLock { $0 } + quiet
                if clock.now >= end {
                    subscription.cancel()
                    return
                }
                try? await clock.sleep(until: end)
            }
        }
    }

    public func heard() { lastHeard.value.withLock { $0 = clock.now } }

    public func stop() { task.cancel() }
}

/// The libnats subscription, closed once by its `CoreSubscription`'s `cancel`.
///
/// `@unchecked Sendable`: libnats subscriptions may be used from any thread, and `cancel`
/// takes the handle out of its mutex before passing it to the one thread that closes it.
final class SubscriptionHandle: @unchecked Sendable {
    let raw: OpaquePointer

    init(raw: OpaquePointer) { self.raw = raw }

    /// Unsubscribes (for a JetStream subscription: deletes its consumer, a round trip) and
    /// destroys the subscription.
    func close() {
        natsSubscription_Unsubscribe(raw)
        natsSubscription_Destroy(raw)
    }
}

private let onComplete: natsOnCompleteCB = { closure in
    guard let closure else { return }
    Unmanaged<CoreSubscription.Sink>.fromOpaque(closure).release()
}

private let onMessage: natsMsgHandler = { _, _, message, closure in
    guard let message, let closure else { return }
    let sink = Unmanaged<CoreSubscription.Sink>.fromOpaque(closure).takeUnretainedValue()
    let received = ReceivedMessage(
        subject: String(cString: natsMsg_GetSubject(message)),
        payload: readPayload(message),
        headers: readHeaders(message)
    )
    natsMsg_Destroy(message)
    sink.continuation.yield(received)
}
