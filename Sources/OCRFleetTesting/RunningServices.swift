import Hummingbird
import Logging
import ServiceLifecycle

/// Services run for one test: started together, ready once their HTTP application listens,
/// stopped by graceful shutdown the way the executables stop.
final class RunningServices: Sendable {
    /// The port the HTTP application is listening on.
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.group = group
        self.task = task
    }

    /// Starts the services `make` builds (it gets the callback their HTTP application calls
    /// with its port) and returns once that application listens.
    static func start(
        _ what: String,
        logger: Logger,
        _ make: (@escaping @Sendable (Int) async -> Void) throws -> [ServiceGroupConfiguration.ServiceConfiguration]
    ) async throws -> RunningServices {
        let (ready, readySignal) = AsyncStream.makeStream(of: Int.self)
        let group = ServiceGroup(
            configuration: .init(services: try make { port in readySignal.yield(port) }, logger: logger)
        )
        let task = Task {
            // Ends the wait below if the services stop before the server is up.
            defer { readySignal.finish() }
            try await group.run()
        }
        var iterator = ready.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            throw TestEnvironmentError("\(what) stopped before it was listening")
        }
        return RunningServices(port: port, group: group, task: task)
    }

    /// Serves `router` on a free loopback port, for test doubles (stores, webhook receivers).
    static func serve(_ what: String, router: Router<BasicRequestContext>) async throws -> RunningServices {
        var logger = Logger(label: what)
        logger.logLevel = .warning
        return try await start(what, logger: logger) { [logger] ready in
            let app = Application(
                router: router,
                configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { channel in await ready(channel.localAddress?.port ?? 0) },
                logger: logger
            )
            return [.init(service: app)]
        }
    }

    /// Runs `body`, then stops the services gracefully, also when `body` throws (then
    /// cancelling what still runs after a minute). Cancelling a server's task while it
    /// accepts a connection traps in NIO (apple/swift-nio#3481): a failed test would take the
    /// whole test process down with it.
    func whileRunning<T>(_ body: () async throws -> T) async throws -> T {
        let result: T
        do {
            result = try await body()
        } catch {
            try? await stop(cutOff: .seconds(60))
            throw error
        }
        try await stop()
        return result
    }

    /// Graceful shutdown; with a `cutOff`, whatever still runs after it is cancelled (a hung
    /// request, say). Rethrows what the services threw.
    func stop(cutOff: Duration? = nil) async throws {
        await group.triggerGracefulShutdown()
        let deadline = cutOff.map { limit in
            Task { [task] in
                try? await Task.sleep(for: limit)
                task.cancel()
            }
        }
        defer { deadline?.cancel() }
        try await task.value
    }

    /// Cancels the services without waiting, for a test that ends by throwing.
    func cancel() { task.cancel() }
}
