import Hummingbird
import Logging
import ServiceLifecycle
import VLLMDouble

/// The vLLM double listening on a free loopback port, for one test.
public final class VLLMDoubleServer: Sendable {
    public let double: VLLMDouble
    public let port: Int
    /// The OpenAI-compatible base URL, as `OCR_VLLM_URL` takes it.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    init(double: VLLMDouble, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.double = double
        self.port = port
        self.group = group
        self.task = task
    }

    /// Stops listening; requests still open are cut off.
    public func stop() async {
        await group.triggerGracefulShutdown()
        let deadline = Task {
            try? await Task.sleep(for: .seconds(2))
            task.cancel()
        }
        _ = try? await task.value
        deadline.cancel()
    }
}

/// Runs `body` with a vLLM double started with `behaviour`, and stops it afterwards.
public func withVLLMDouble<T>(
    _ behaviour: VLLMDouble.Behaviour = .init(), _ body: (VLLMDoubleServer) async throws -> T
) async throws -> T {
    var logger = Logger(label: "vllm-double")
    logger.logLevel = .warning
    let double = try VLLMDouble(behaviour: behaviour, logger: logger)
    let (ready, readySignal) = AsyncStream.makeStream(of: Int.self)
    let app = double.makeApplication(port: 0) { port in readySignal.yield(port) }
    let group = ServiceGroup(configuration: .init(services: [.init(service: app)], logger: logger))
    let task = Task {
        defer { readySignal.finish() }
        try await group.run()
    }
    var iterator = ready.makeAsyncIterator()
    guard let port = await iterator.next() else {
        try await task.value
        throw TestEnvironmentError("the vLLM double stopped before it was listening")
    }
    let server = VLLMDoubleServer(double: double, port: port, group: group, task: task)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
