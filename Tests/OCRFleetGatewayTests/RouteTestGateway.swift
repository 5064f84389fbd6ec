import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting

@testable import OCRFleetGateway

/// A gateway on a fresh `nats-server`, its router driven in process (`app.test(.router)`):
/// requests go through the middleware and generated handlers without a socket.
struct RouteTestGateway: Sendable {
    let client: any TestClientProtocol
    let nats: NATSConnection
    /// The gateway's local store.
    let storeDirectory: String
    let gateway: Gateway

    static func run(
        _ environment: [String: String] = [:],
        clock: FleetClock = .continuous,
        _ body: @Sendable (RouteTestGateway) async throws -> Void
    ) async throws {
        try await withNATSServer { server in
            var logger = Logger(label: "route-test")
            logger.logLevel = .warning
            let nats = try await NATSConnection.connect(.init(urls: [server.url], name: "route-test"), logger: logger)
            defer { nats.close() }
            let store = FileManager.default.temporaryDirectory.appendingPathComponent("route-test-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: store) }
            var configuration = try GatewayConfiguration(
                arguments: ["ocr-gateway"],
                environment: ["OCR_NATS_URL": server.url, "OCR_STORE_DIR": store].merging(environment) { _, new in new }
            )
            configuration.clock = clock
            let gateway = try Gateway(configuration: configuration, nats: nats, logger: logger)
            try await gateway.prepareStreams()
            try await gateway.makeApplication().test(.router) { client in
                try await body(RouteTestGateway(client: client, nats: nats, storeDirectory: store, gateway: gateway))
            }
        }
    }

    /// One exchange; `token` as a bearer token.
    func send(
        _ method: HTTPRequest.Method,
        _ uri: String,
        token: String? = nil,
        contentType: String? = nil,
        body: String? = nil,
        reviewer: String? = nil
    ) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let reviewer { headers[HTTPField.Name("X-Reviewer")!] = reviewer }
        if let contentType { headers[.contentType] = contentType }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    /// Uploads a small file as `jobID`.
    @discardableResult
    func upload(_ jobID: String, token: String? = nil) async throws -> TestResponse {
        try await send(.post, "/v1/jobs?job_id=\(jobID)", token: token, contentType: "application/pdf", body: "%PDF-1.4 a page")
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The error body's `code` and `field`.
    var error: (code: String?, field: String?) {
        let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: [String: String]]
        return (object?["error"]?["code"], object?["error"]?["field"])
    }

    var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] }
}
