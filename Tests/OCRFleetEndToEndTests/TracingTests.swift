import Foundation
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import OCRFleetTracing
import Testing

/// A job's trace, from the caller's `traceparent` through the gateway and the worker's
/// stages and pages, as an OpenTelemetry collector receives it (OTLP/HTTP JSON).
@Suite(.serialized) struct TracingTests {
    static let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let caller = "00f067aa0ba902b7"

    /// Every span of every export, with the resource's service name.
    static func spans(_ deliveries: [PostReceiver.Delivery]) throws -> [(service: String, span: [String: Any])] {
        var found: [(String, [String: Any])] = []
        for delivery in deliveries {
            let document = try #require(try JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any])
            for resource in document["resourceSpans"] as? [[String: Any]] ?? [] {
                let attributes = (resource["resource"] as? [String: Any])?["attributes"] as? [[String: Any]] ?? []
                let service =
                    attributes.first { $0["key"] as? String == "service.name" }
                    .flatMap { ($0["value"] as? [String: Any])?["stringValue"] as? String } ?? ""
                for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                    for span in scope["spans"] as? [[String: Any]] ?? [] { found.append((service, span)) }
                }
            }
        }
        return found
    }

    @Test func traceparentHeadersAreReadAsW3CSaysAndMalformedOnesIgnored() {
        let valid = TraceContext(traceparent: "00-\(Self.trace)-\(Self.caller)-01")
        #expect(valid == TraceContext(traceID: Self.trace, spanID: Self.caller, sampled: true))
        #expect(valid?.traceparent == "00-\(Self.trace)-\(Self.caller)-01")
        #expect(TraceContext(traceparent: "00-\(Self.trace)-\(Self.caller)-00")?.sampled == false)
        // A later version may add fields; version 00 may not.
        #expect(TraceContext(traceparent: "01-\(Self.trace)-\(Self.caller)-01-extra") != nil)
        for malformed in [
            "", "00-\(Self.trace)-\(Self.caller)", "00-\(Self.trace)-\(Self.caller)-01-extra",
            "ff-\(Self.trace)-\(Self.caller)-01", "00-\(String(repeating: "0", count: 32))-\(Self.caller)-01",
            "00-\(Self.trace)-0000000000000000-01", "00-\(Self.trace.uppercased())-\(Self.caller)-01",
            "00-\(Self.trace.dropLast())-\(Self.caller)-01",
        ] {
            #expect(TraceContext(traceparent: malformed) == nil, "\(malformed)")
        }
    }

    @Test func aCallersTraceRunsThroughTheJobsStagesAndPages() async throws {
        try await withPostReceiver(path: "/v1/traces") { collector in
            try await withFleet(runWorker: false) { fleet in
                let worker = try BuiltExecutable.run(
                    "ocr-worker",
                    [],
                    environment: [
                        "OCR_NATS_URL": fleet.server.url, "OCR_OTLP_ENDPOINT": collector.baseURL, "OCR_LOG_LEVEL": "warning",
                    ]
                )
                defer { worker.terminate() }
                let published = try CoreSubscription(connection: fleet.nats, subject: Subjects.jobs)
                published.cancel(after: .seconds(30))
                try await fleet.nats.flush()

                let pdf = Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("report-3p.pdf"))))
                let (status, answer) = try await fleet.request(
                    "POST",
                    "/v1/jobs?job_id=traced&mode=ocr",
                    body: pdf,
                    contentType: "application/pdf",
                    headers: ["traceparent": "00-\(Self.trace)-\(Self.caller)-01"]
                )
                #expect(status == 202, "\(answer)")
                var iterator = published.makeAsyncIterator()
                let message = try #require(await iterator.next())
                let event = try JobEvent.parse(body: message.payload, headers: message.headers)
                #expect(event.traceparent == "00-\(Self.trace)-\(Self.caller)-01")
                #expect(try await fleet.waitForTerminalState("traced").state == .completed)

                // The exporter sends what is left when the worker stops.
                worker.terminate()
                try await BuiltExecutable.waitForExit(worker)
                let spans = try Self.spans(collector.deliveries).filter { $0.span["traceId"] as? String == Self.trace }
                #expect(spans.allSatisfy { $0.service == "ocr-worker" })
                let job = try #require(spans.first { $0.span["name"] as? String == "ocr.job" }?.span)
                #expect(job["parentSpanId"] as? String == Self.caller)
                #expect(job["kind"] as? Int == 5)
                let jobSpan = try #require(job["spanId"] as? String)
                let stages = spans.filter { $0.span["parentSpanId"] as? String == jobSpan }.compactMap { $0.span["name"] as? String }
                #expect(Set(stages) == ["download", "convert", "recognize", "upload"], "\(stages)")
                let recognize = try #require(spans.first { $0.span["name"] as? String == "recognize" }?.span["spanId"] as? String)
                let pages = spans.filter { $0.span["name"] as? String == "ocr.page" }
                #expect(pages.count == 3)
                #expect(pages.allSatisfy { $0.span["parentSpanId"] as? String == recognize })
                #expect(pages.allSatisfy { "\($0.span["attributes"] ?? "")".contains("tesseract") })
            }
        }
    }
}
