import Foundation
import OCRFleetAPI
import OCRFleetBus
import OCRFleetMetrics
import OpenAPIRuntime

extension Gateway {
    /// `GET /healthz`: the process runs.
    public func health(_ input: Operations.Health.Input) async throws -> Operations.Health.Output {
        .ok(.init(body: .textPlainCharsetUtf8(HTTPBody("ok\n"))))
    }

    /// `GET /readyz`: NATS is connected and the job streams exist; else 503 saying which is missing.
    public func ready(_ input: Operations.Ready.Input) async throws -> Operations.Ready.Output {
        guard nats.isConnected else { return .serviceUnavailable(.init(body: .textPlainCharsetUtf8(HTTPBody("NATS disconnected\n")))) }
        guard streams.isReady else {
            return .serviceUnavailable(.init(body: .textPlainCharsetUtf8(HTTPBody("job streams not ready\n"))))
        }
        return .ok(.init(body: .textPlainCharsetUtf8(HTTPBody("ready\n"))))
    }

    /// `GET /metrics`: this replica's metrics, with the queue depth read now.
    public func metrics(_ input: Operations.Metrics.Input) async throws -> Operations.Metrics.Output {
        if streams.isReady, let jobs = try? await backlog.count() { FleetMetrics.queueDepth(jobs) }
        return .ok(.init(body: .textPlainCharsetUtf8Version_0_0_4(HTTPBody(MetricsExport.exposition()))))
    }

    /// `GET /openapi.json`: the document the API is generated from.
    public func openapi(_ input: Operations.Openapi.Input) async throws -> Operations.Openapi.Output {
        .ok(.init(body: .json(try Self.document.get())))
    }

    /// `OpenAPIDocument.json` as the generated server writes JSON.
    static let document = Result {
        try JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(OpenAPIDocument.json.utf8))
    }
}
