import Foundation
import Logging
import OCRFleetBus
import OCRFleetGateway
import OCRFleetTesting
import Testing

/// The gateway describing itself. One after the other: the queue gauge is the process's, set
/// by whichever gateway is scraped, and the OpenAPI check scrapes too.
@Suite(.serialized) struct GatewaySelfDescriptionTests {}

/// `/openapi.json` describes exactly the routes the gateway serves.
extension GatewaySelfDescriptionTests {
    @Suite struct OpenAPITests {
        /// `METHOD /path` of every operation in the served document; the store's `{key}` is the
        /// router's catch-all.
        static func operations(in document: [String: Any]) throws -> Set<String> {
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var operations = Set<String>()
            for (path, methods) in paths {
                for method in methods.keys {
                    operations.insert("\(method.uppercased()) \(path.replacingOccurrences(of: "{key}", with: "**"))")
                }
            }
            return operations
        }

        @Test func theDocumentMatchesTheRouterAndEveryOperationIsRouted() async throws {
            try await withFleet(runWorker: false) { fleet in
                let (status, body) = try await fleet.request("GET", "/openapi.json")
                #expect(status == 200)
                let document = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
                #expect(document["openapi"] as? String == "3.1.0")
                let documented = try Self.operations(in: document)

                let gateway = try Gateway(
                    configuration: try .init(arguments: ["ocr-gateway"], environment: ["OCR_NATS_URL": fleet.server.url]),
                    nats: fleet.nats,
                    logger: Logger(label: "test")
                )
                #expect(documented == Set(gateway.routes))

                // And each is answered by its route, not the router's 404 for unknown paths.
                for operation in documented.sorted() {
                    let parts = operation.split(separator: " ", maxSplits: 1).map(String.init)
                    let path = parts[1].replacingOccurrences(of: "{id}", with: "no-such-job")
                        .replacingOccurrences(of: "**", with: "some/key")
                    let answer = try await fleet.exchange(parts[0], path)
                    #expect(!answer.body.contains("no route"), "\(operation) is not routed")
                    #expect(answer.status != 405, "\(operation) is not routed")
                }
                let (unknown, unknownBody) = try await fleet.request("GET", "/v1/no-such-route")
                #expect(unknown == 404 && unknownBody.contains(#""code":"not_found""#) && unknownBody.contains("no route"))
            }
        }

        /// Every `$ref` in `value`, however the JSON is spaced.
        static func references(in value: Any) -> [String] {
            if let object = value as? [String: Any] {
                return (object["$ref"] as? String).map { [$0] } ?? object.values.flatMap { references(in: $0) }
            }
            return (value as? [Any])?.flatMap { references(in: $0) } ?? []
        }

        @Test func everyReferenceResolves() async throws {
            try await withFleet(runWorker: false) { fleet in
                let (_, body) = try await fleet.request("GET", "/openapi.json")
                let document = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
                let components = try #require(document["components"] as? [String: [String: Any]])
                let references = Self.references(in: document).map { $0.split(separator: "/").dropFirst(2).map(String.init) }
                #expect(references.count > 10)
                for reference in references {
                    #expect(components[reference[0]]?[reference[1]] != nil, "no \(reference.joined(separator: "/"))")
                }
            }
        }
    }

}

/// `GET /metrics` in Prometheus' text format.
extension GatewaySelfDescriptionTests {
    @Suite struct GatewayMetricsTests {
        /// The value of the first sample line starting with `series`, or 0 when there is none.
        static func value(_ series: String, in text: String) -> Double {
            for line in text.split(separator: "\n") where line.hasPrefix(series) {
                return Double(line.split(separator: " ").last ?? "") ?? 0
            }
            return 0
        }

        @Test func requestsJobsTheQueueAndDeadLettersAreCounted() async throws {
            try await withFleet(runWorker: false) { fleet in
                let (_, before) = try await fleet.request("GET", "/metrics")
                let accepted = #"ocrfleet_gateway_requests_total{method="POST",route="/v1/jobs",status="202"}"#
                let refused = #"ocrfleet_gateway_requests_total{method="POST",route="/v1/jobs",status="400"}"#
                let body = #"{"source": {"url": "http://127.0.0.1:9/a.pdf"}}"#
                let batch = #"{"source": {"url": "http://127.0.0.1:9/b.pdf"}, "options": {"priority": "batch"}}"#
                for text in [body, body, batch] {
                    let (status, _) = try await fleet.request("POST", "/v1/jobs", body: Array(text.utf8), contentType: "application/json")
                    #expect(status == 202)
                }
                let (bad, _) = try await fleet.request("POST", "/v1/jobs", body: Array("{}".utf8), contentType: "application/json")
                #expect(bad == 400)

                // The gateway reads the queue depth now and then: ask until it has seen the three.
                var (status, after) = try await fleet.request("GET", "/metrics")
                for _ in 0..<600 where Self.value("ocrfleet_queue_jobs", in: after) != 3 {
                    try await Task.sleep(for: .milliseconds(50))
                    (status, after) = try await fleet.request("GET", "/metrics")
                }
                #expect(status == 200)
                // At least: the registry is the process's, and tests running beside this one count too.
                #expect(Self.value(accepted, in: after) - Self.value(accepted, in: before) >= 3)
                #expect(Self.value(refused, in: after) - Self.value(refused, in: before) >= 1)
                #expect(Self.value("ocrfleet_queue_jobs", in: after) == 3)
                // By route: two interactive, one batch.
                #expect(Self.value(#"ocrfleet_queue_route_jobs{subject="ocr.jobs.interactive"}"#, in: after) == 2)
                #expect(Self.value(#"ocrfleet_queue_route_jobs{subject="ocr.jobs.batch"}"#, in: after) == 1)
                #expect(after.contains(#"ocrfleet_queue_route_jobs{subject="ocr.jobs.batch.gpu"} 0"#))
                // The oldest of the three has waited since it was submitted; nothing is dead-lettered.
                #expect(after.contains("\nocrfleet_queue_oldest_job_age_seconds "))
                #expect((0..<600).contains(Self.value("ocrfleet_queue_oldest_job_age_seconds", in: after)))
                #expect(after.contains("\nocrfleet_dlq_jobs 0"))
                #expect(after.contains(#"ocrfleet_gateway_request_duration_seconds_bucket{method="POST",route="/v1/jobs",le="0.005"}"#))
                #expect(after.contains("# TYPE ocrfleet_gateway_requests_total counter"))
            }
        }
    }
}
