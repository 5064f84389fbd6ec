import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// An object store for fault tests: serves one source document at `/source` and accepts
/// result PUTs at `/results/<key>`, counting them per key, so a test can tell how often a
/// job's result was uploaded.
public struct CountingStore: Sendable {
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    let counter: PutCounter

    /// PUTs received, by key.
    public var uploads: [String: Int] { counter.counts.withLock { $0 } }
}

final class PutCounter: Sendable {
    let counts = Mutex<[String: Int]>([:])
}

/// Runs `body` with a counting store serving `source`.
public func withCountingStore<T>(source: [UInt8], _ body: (CountingStore) async throws -> T) async throws -> T {
    let counter = PutCounter()
    let router = Router()
    router.get("/source") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: source))) }
    router.put("/results/{key}") { request, context in
        let key = try context.parameters.require("key")
        _ = try await request.body.collect(upTo: 64 << 20)
        counter.counts.withLock { $0[key, default: 0] += 1 }
        return Response(status: .ok)
    }
    var logger = Logger(label: "counting-store")
    logger.logLevel = .warning
    let (ready, readySignal) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in readySignal.yield(channel.localAddress?.port ?? 0) }, logger: logger)
    let group = ServiceGroup(configuration: .init(services: [.init(service: app)], logger: logger))
    let task = Task {
        defer { readySignal.finish() }
        try await group.run()
    }
    var iterator = ready.makeAsyncIterator()
    guard let port = await iterator.next() else {
        try await task.value
        throw TestEnvironmentError("the counting store stopped before it was listening")
    }
    let store = CountingStore(port: port, counter: counter)
    defer { task.cancel() }
    let result = try await body(store)
    await group.triggerGracefulShutdown()
    try await task.value
    return result
}
