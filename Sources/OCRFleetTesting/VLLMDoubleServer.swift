import AsyncHTTPClient
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
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

    /// Sends one request to the double, as any HTTP client would; `path` is under the server's
    /// root (`/v1/models`). Returns the status and the body.
    public func exchange(_ method: String, _ path: String, json: [UInt8]? = nil) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .init(rawValue: method)
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), String(buffer: body))
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
