import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization
import Tracing

/// An ended span, as the exporter sends it.
struct FinishedSpan: Sendable {
    var traceID: String
    var spanID: String
    var parentSpanID: String?
    var name: String
    var kind: SpanKind
    var start: UInt64
    var end: UInt64
    var attributes: SpanAttributes
    var status: SpanStatus?
    var events: [SpanEvent]
}

/// Sends ended spans to an OpenTelemetry collector over OTLP/HTTP with JSON encoding
/// (`POST <endpoint>/v1/traces`), in batches once a second and at shutdown. Written here
/// rather than taken from swift-otel, whose build alone takes minutes; OTLP/JSON is a small
/// format. A collector that is down costs the batch, never the work: at most
/// `maxPending` spans wait, the rest are dropped and counted in the log.
public final class OTLPExporter: Service, Sendable {
    let url: String
    let serviceName: String
    let logger: Logger
    static let maxPending = 20_000
    private let pending = Mutex<(spans: [FinishedSpan], dropped: Int)>(([], 0))

    /// `endpoint`: the collector's base URL (`http://otel-collector:4318`); `/v1/traces` is
    /// added unless the URL names a path already.
    public init(endpoint: String, serviceName: String, logger: Logger) {
        let trimmed = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        let hasPath = URLComponents(string: trimmed).map { !$0.path.isEmpty } ?? false
        url = hasPath ? trimmed : trimmed + "/v1/traces"
        self.serviceName = serviceName
        self.logger = logger
    }

    func record(_ span: FinishedSpan) {
        pending.withLock { pending in
            if pending.spans.count < Self.maxPending {
                pending.spans.append(span)
            } else {
                pending.dropped += 1
            }
        }
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: .seconds(1))
            await flush()
        }
        // Spans ended while the process drained.
        await flush()
    }

    /// Sends what has ended so far.
    public func flush() async {
        let (spans, dropped) = pending.withLock { pending in
            defer { pending = ([], 0) }
            return pending
        }
        if dropped > 0 { logger.warning("trace spans dropped: the collector is not keeping up", metadata: ["spans": "\(dropped)"]) }
        guard !spans.isEmpty else { return }
        do {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: document(spans))))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1 << 20)
            guard (200..<300).contains(response.status.code) else {
                logger.warning("trace export refused", metadata: ["status": "\(response.status.code)", "spans": "\(spans.count)"])
                return
            }
        } catch {
            logger.warning("trace export failed", metadata: ["error": "\(error)", "spans": "\(spans.count)"])
        }
    }

    /// An `ExportTraceServiceRequest` in OTLP's JSON mapping (ids as hex, times as strings).
    func document(_ spans: [FinishedSpan]) -> [String: Any] {
        [
            "resourceSpans": [
                [
                    "resource": ["attributes": [Self.attribute("service.name", .string(serviceName))]],
                    "scopeSpans": [["scope": ["name": "ocrfleet"], "spans": spans.map(Self.json)]],
                ]
            ]
        ]
    }

    static func json(_ span: FinishedSpan) -> [String: Any] {
        var object: [String: Any] = [
            "traceId": span.traceID, "spanId": span.spanID, "name": span.name, "kind": kind(span.kind),
            "startTimeUnixNano": "\(span.start)", "endTimeUnixNano": "\(span.end)",
            "attributes": attributes(span.attributes),
            "events": span.events.map { event in
                ["name": event.name, "timeUnixNano": "\(event.nanosecondsSinceEpoch)", "attributes": attributes(event.attributes)]
            },
        ]
        if let parent = span.parentSpanID { object["parentSpanId"] = parent }
        if let status = span.status {
            var json: [String: Any] = ["code": status.code == .ok ? 1 : 2]
            if let message = status.message { json["message"] = message }
            object["status"] = json
        }
        return object
    }

    /// OTLP's SpanKind numbers.
    static func kind(_ kind: SpanKind) -> Int {
        switch kind {
        case .internal: 1
        case .server: 2
        case .client: 3
        case .producer: 4
        case .consumer: 5
        }
    }

    static func attributes(_ attributes: SpanAttributes) -> [[String: Any]] {
        var list: [[String: Any]] = []
        // SpanAttributes is not a Sequence; forEach is its only walk.
        // swift-format-ignore: ReplaceForEachWithForLoop
        attributes.forEach { key, value in list.append(attribute(key, value)) }
        return list
    }

    static func attribute(_ key: String, _ value: SpanAttribute) -> [String: Any] {
        let json: [String: Any] =
            switch value {
            case .int32(let number): ["intValue": "\(number)"]
            case .int64(let number): ["intValue": "\(number)"]
            case .double(let number): ["doubleValue": number]
            case .bool(let flag): ["boolValue": flag]
            case .string(let text): ["stringValue": text]
            default: ["stringValue": "\(value)"]
            }
        return ["key": key, "value": json]
    }
}
