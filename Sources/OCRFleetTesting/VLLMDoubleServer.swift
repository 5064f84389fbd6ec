import Hummingbird
import Logging
import ServiceLifecycle
import VLLMDouble

/// The vLLM double listening on a free loopback port, for one test.
public final class VLLMDoubleServer: Sendable {
    public let double: VLLMDouble
    private let services: RunningServices
    public var port: Int { services.port }
    /// The OpenAI-compatible base URL, as `OCR_VLLM_URL` takes it.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    init(double: VLLMDouble, services: RunningServices) {
        self.double = double
        self.services = services
    }

    /// Stops listening; requests still open are cut off.
    public func stop() async {
        try? await services.stop(cutOff: .seconds(2))
    }
}

/// Runs `body` with a vLLM double started with `behaviour`, and stops it afterwards.
public func withVLLMDouble<T>(
    _ behaviour: VLLMDouble.Behaviour = .init(),
    _ body: (VLLMDoubleServer) async throws -> T
) async throws -> T {
    var logger = Logger(label: "vllm-double")
    logger.logLevel = .warning
    let double = try VLLMDouble(behaviour: behaviour, logger: logger)
    let services = try await RunningServices.start("the vLLM double", logger: logger) { ready in
        [.init(service: double.makeApplication(port: 0, onServerRunning: ready))]
    }
    let server = VLLMDoubleServer(double: double, services: services)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
