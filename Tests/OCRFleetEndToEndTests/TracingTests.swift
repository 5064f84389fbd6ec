import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import OCRFleetTracing
import Testing

/// A job's trace, from the caller's `traceparent` through the gateway's server span and the
/// worker's job, stages and pages, as an OpenTelemetry collector receives it from swift-otel
/// (OTLP/HTTP protobuf), and the span ids on the log lines written inside it.
@Suite(.serialized) struct TracingTests {
    static let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let caller = "00f067aa0ba902b7"
    static let unsampledTrace = "0af7651916cd43dd8448eb211c80319c"

    /// Every span of the trace `trace` the collector received.
    static func spans(_ collector: PostReceiver, trace: String) throws -> [ExportedSpan] {
        try collector.deliveries.flatMap { try ExportedSpan.decode($0.body) }.filter { $0.traceID == trace }
    }

    /// Runs `body` with a collector double and a traced gateway and worker on a fresh fleet.
    static func withTracedFleet(_ body: (TracedProcesses, TestFleet, PostReceiver) async throws -> Void) async throws {
        try await withPostReceiver(path: "/v1/traces", contentType: "application/x-protobuf") { collector in
            try await withFleet(runWorker: false) { fleet in
                let traced = try await TracedProcesses.start(on: fleet, collector: collector)
                defer { traced.terminate() }
                try await body(traced, fleet, collector)
            }
        }
    }

    @Test func aJobCarriesACallersValidTraceparentAndNoMalformedOne() {
        // No tracer in the test runner: the caller's header goes on to the job as it came.
        let valid = "00-\(Self.trace)-\(Self.caller)-01"
        #expect(JobTrace.traceparent(caller: valid) == valid)
        #expect(JobTrace.traceparent(caller: "00-\(Self.trace)-\(Self.caller)-00") == "00-\(Self.trace)-\(Self.caller)-00")
        #expect(JobTrace.traceparent(caller: nil) == nil)
        for malformed in [
            "", "00-\(Self.trace)-\(Self.caller)", "00-\(Self.trace)-\(Self.caller)-01-extra",
            "ff-\(Self.trace)-\(Self.caller)-01", "00-\(String(repeating: "0", count: 32))-\(Self.caller)-01",
            "00-\(Self.trace)-0000000000000000-01", "00-\(Self.trace.uppercased())-\(Self.caller)-01",
            "00-\(Self.trace.dropLast())-\(Self.caller)-01",
        ] {
            #expect(JobTrace.traceparent(caller: malformed) == nil, "\(malformed)")
        }
        // What the gateway lets reach its tracer: a bad `tracestate` alone goes, a bad `traceparent` takes it along.
        let kept = CallerTrace(traceparent: valid, tracestate: "rojo=00f067aa0ba902b7")
        #expect(kept.traceparent == valid && kept.tracestate == "rojo=00f067aa0ba902b7")
        let badState = CallerTrace(traceparent: valid, tracestate: "Rojo=1")
        #expect(badState.traceparent == valid && badState.tracestate == nil)
        let badParent = CallerTrace(traceparent: "00-bad", tracestate: "rojo=1")
        #expect(badParent.traceparent == nil && badParent.tracestate == nil)
    }

    @Test func aCallersTraceRunsThroughTheGatewayAndTheJobsStagesAndPages() async throws {
        try await Self.withTracedFleet { traced, fleet, collector in
            let published = try CoreSubscription(connection: fleet.nats, subject: Subjects.jobsWildcard)
            published.cancel(after: .seconds(30))
            try await fleet.nats.flush()
            let status = try await traced.submit(
                "traced",
                fixture: "report-3p.pdf",
                contentType: "application/pdf",
                traceparent: "00-\(Self.trace)-\(Self.caller)-01"
            )
            #expect(status == 202)
            var iterator = published.makeAsyncIterator()
            let message = try #require(await iterator.next())
            let event = try JobEvent.parse(body: message.payload, headers: message.headers)
            #expect(try await fleet.waitForTerminalState("traced").state == .completed)
            let logs = try await traced.stop()

            #expect(collector.deliveries.allSatisfy { $0.headers["content-type"] == "application/x-protobuf" })
            let spans = try Self.spans(collector, trace: Self.trace)
            // The gateway's server span continues the caller's trace, and the job continues the gateway's span.
            let request = try #require(spans.first { $0.service == "ocr-gateway" })
            #expect(request.parentSpanID == Self.caller)
            #expect(request.kind == 2 && request.name == "/v1/jobs", "\(request)")
            #expect(request.attributes["http.response.status_code"] == "202")
            #expect(event.traceparent == "00-\(Self.trace)-\(request.spanID)-01")
            let job = try #require(spans.first { $0.name == "ocr.job" })
            #expect(job.service == "ocr-worker" && job.parentSpanID == request.spanID && job.kind == 5)
            #expect(job.attributes["ocr.job_id"] == "traced" && job.attributes["ocr.attempt"] == "1")
            let stages = spans.filter { $0.parentSpanID == job.spanID }.map(\.name)
            #expect(Set(stages) == ["download", "convert", "recognize", "upload"], "\(stages)")
            let recognize = try #require(spans.first { $0.name == "recognize" })
            let pages = spans.filter { $0.name == "ocr.page" }
            #expect(pages.count == 3)
            #expect(pages.allSatisfy { $0.parentSpanID == recognize.spanID && $0.kind == 3 })
            #expect(pages.allSatisfy { $0.attributes["ocr.engine"] == "tesseract" })
            // The collector answered as collectors do: swift-otel (its lines name a component) reported no failure.
            let complaints = (logs.gateway + logs.worker).filter {
                $0["component"] != nil && ($0["level"] == "warning" || $0["level"] == "error")
            }
            #expect(complaints.isEmpty, "\(complaints)")
        }
    }

    @Test func aCallerThatDoesNotSampleIsFollowedAndNothingOfItsTraceIsSent() async throws {
        try await Self.withTracedFleet { traced, fleet, collector in
            let published = try CoreSubscription(connection: fleet.nats, subject: Subjects.jobsWildcard)
            published.cancel(after: .seconds(30))
            try await fleet.nats.flush()
            let unsampled = "00-\(Self.unsampledTrace)-\(Self.caller)-00"
            #expect(try await traced.submit("unsampled", fixture: "invoice.png", contentType: "image/png", traceparent: unsampled) == 202)
            // A sampled job beside it shows that spans do reach the collector.
            let sampled = "00-\(Self.trace)-\(Self.caller)-01"
            #expect(try await traced.submit("sampled", fixture: "invoice.png", contentType: "image/png", traceparent: sampled) == 202)
            var iterator = published.makeAsyncIterator()
            let message = try #require(await iterator.next())
            let event = try JobEvent.parse(body: message.payload, headers: message.headers)
            #expect(event.traceparent?.hasPrefix("00-\(Self.unsampledTrace)-") == true)
            #expect(event.traceparent?.hasSuffix("-00") == true)
            #expect(try await fleet.waitForTerminalState("unsampled").state == .completed)
            #expect(try await fleet.waitForTerminalState("sampled").state == .completed)
            _ = try await traced.stop()

            let sent = try Self.spans(collector, trace: Self.trace)
            #expect(Set(sent.map(\.service)) == ["ocr-gateway", "ocr-worker"])
            #expect(sent.contains { $0.name == "ocr.job" })
            #expect(try Self.spans(collector, trace: Self.unsampledTrace).isEmpty)
        }
    }

    @Test func theLogLinesOfATracedJobCarryItsTraceAndSpanIDs() async throws {
        try await Self.withTracedFleet { traced, fleet, collector in
            let traceparent = "00-\(Self.trace)-\(Self.caller)-01"
            #expect(try await traced.submit("logged", fixture: "invoice.png", contentType: "image/png", traceparent: traceparent) == 202)
            #expect(try await fleet.waitForTerminalState("logged").state == .completed)
            let logs = try await traced.stop()

            let spans = try Self.spans(collector, trace: Self.trace)
            let gatewayLines = logs.gateway.filter { $0["job_id"] == "logged" }
            let request = try #require(spans.first { $0.service == "ocr-gateway" })
            #expect(!gatewayLines.isEmpty)
            #expect(gatewayLines.allSatisfy { $0["trace_id"] == Self.trace && $0["span_id"] == request.spanID }, "\(gatewayLines)")
            let workerLines = logs.worker.filter { $0["job_id"] == "logged" }
            let workerSpans = Set(spans.filter { $0.service == "ocr-worker" }.map(\.spanID))
            #expect(!workerLines.isEmpty)
            #expect(
                workerLines.allSatisfy { $0["trace_id"] == Self.trace && workerSpans.contains($0["span_id"] ?? "") },
                "\(workerLines)"
            )
        }
    }
}
