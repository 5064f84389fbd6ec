import CNats
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

    final class Sink: Sendable {
        let continuation: AsyncStream<ReceivedMessage>.Continuation
        init(_ continuation: AsyncStream<ReceivedMessage>.Continuation) { self.continuation = continuation }
    }

    public convenience init(connection: NATSConnection, subject: String, buffer: Int = 10_000) throws {
        try self.init(buffer: buffer) { raw, context in
            let status = natsConnection_Subscribe(&raw, connection.connection, subject, onMessage, context)
            if status != NATS_OK { throw NATSError("subscribe to \(subject)", status: status) }
        }
    }

    /// Everything `stream` keeps on `subject`, oldest first, then what arrives live: an
    /// ordered JetStream consumer (ephemeral, flow-controlled, re-created by libnats if the
    /// server loses it).
    public convenience init(replaying stream: String, subject: String, connection: NATSConnection, buffer: Int = 10_000)
        throws
    {
        try self.init(buffer: buffer) { raw, context in
            var options = jsSubOptions()
            jsSubOptions_Init(&options)
            options.Ordered = true
            options.Config.DeliverPolicy = js_DeliverAll
            var code = jsErrCode(rawValue: 0)
            let status = stream.withCString { name in
                options.Stream = name
                return js_Subscribe(&raw, connection.jetStream, subject, onMessage, context, nil, &options, &code)
            }
            if status != NATS_OK { throw NATSError("replay \(subject) from \(stream)", status: status, jetStreamCode: code) }
        }
    }

    /// `subscribe` creates the libnats subscription with the callback context it is given.
    private init(buffer: Int, subscribe: (inout OpaquePointer?, UnsafeMutableRawPointer) throws -> Void) throws {
        let (messages, continuation) = AsyncStream.makeStream(
            of: ReceivedMessage.self, bufferingPolicy: .bufferingNewest(buffer))
        self.stream = messages
        let sink = Sink(continuation)
        self.sink = sink
        let context = Unmanaged.passRetained(sink).toOpaque()
        var raw: OpaquePointer?
        do {
            try subscribe(&raw, context)
        } catch {
            Unmanaged<Sink>.fromOpaque(context).release()
            throw error
        }
        guard let raw else {
            Unmanaged<Sink>.fromOpaque(context).release()
            throw NATSError("subscribe", status: NATS_ERR)
        }
        // The sink is released by the on-complete callback, which libnats runs after the
        // last message callback of the closed subscription has returned.
        natsSubscription_SetOnCompleteCB(raw, onComplete, context)
        subscription = Mutex(SubscriptionHandle(raw: raw))
    }

    deinit { cancel() }

    /// Ends the subscription and the sequence.
    public func cancel() {
        _ = subscription.withLock { $0.take() }
        sink.continuation.finish()
    }

    public func makeAsyncIterator() -> AsyncStream<ReceivedMessage>.Iterator { stream.makeAsyncIterator() }

    /// Ends the subscription once `quiet` passes without a call to the watch's `heard()`:
    /// for replays of a history that may have nothing more to say.
    public func endWhenQuiet(for quiet: Duration) -> QuietWatch { QuietWatch(self, quiet: quiet) }
}

/// Ends a subscription that falls quiet; call `heard()` on every message, `stop()` when done.
public final class QuietWatch: Sendable {
    private final class Moment: Sendable {
        let value = Mutex(ContinuousClock.now)
    }

    private let lastHeard: Moment
    private let task: Task<Void, Never>

    init(_ subscription: CoreSubscription, quiet: Duration) {
        let lastHeard = Moment()
        self.lastHeard = lastHeard
        task = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                if ContinuousClock.now - lastHeard.value.withLock({ $0 }) > quiet {
                    subscription.cancel()
                    return
                }
            }
        }
    }

    public func heard() { lastHeard.value.withLock { $0 = ContinuousClock.now } }

    public func stop() { task.cancel() }
}

struct SubscriptionHandle: ~Copyable {
    let raw: OpaquePointer

    deinit {
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
        subject: String(cString: natsMsg_GetSubject(message)), payload: readPayload(message),
        headers: readHeaders(message))
    natsMsg_Destroy(message)
    sink.continuation.yield(received)
}
