import Instrumentation
import Synchronization
import Tracing

/// A tracer that hands each ended span to an `OTLPExporter`. Children take their trace from
/// the context's `TraceContext` (a local span's, or a remote parent's read from a job);
/// without one a span starts a new trace. Propagates the W3C `traceparent` header.
public final class OTLPTracer: Tracer {
    let exporter: OTLPExporter

    public init(exporter: OTLPExporter) { self.exporter = exporter }

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String,
        context: @autoclosure () -> InstrumentationContext,
        ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant,
        function: String,
        file fileID: String,
        line: UInt
    ) -> RecordedSpan {
        var spanContext = context()
        let parent = spanContext.traceContext
        let own = parent?.child() ?? TraceContext.newTrace()
        spanContext.traceContext = own
        return RecordedSpan(
            name: operationName,
            kind: kind,
            context: spanContext,
            trace: own,
            parentSpanID: parent?.spanID,
            start: instant().nanosecondsSinceEpoch,
            exporter: exporter
        )
    }

    public func forceFlush() {}

    public func extract<Carrier, Extract>(_ carrier: Carrier, into context: inout InstrumentationContext, using extractor: Extract)
    where Extract: Extractor, Extract.Carrier == Carrier {
        if let header = extractor.extract(key: "traceparent", from: carrier), let parent = TraceContext(traceparent: header) {
            context.traceContext = parent
        }
    }

    public func inject<Carrier, Inject>(_ context: InstrumentationContext, into carrier: inout Carrier, using injector: Inject)
    where Inject: Injector, Inject.Carrier == Carrier {
        if let trace = context.traceContext { injector.inject(trace.traceparent, forKey: "traceparent", into: &carrier) }
    }
}

/// A span being recorded; on `end` it goes to the exporter, once.
public final class RecordedSpan: Tracing.Span {
    struct State {
        var name: String
        var attributes: SpanAttributes = [:]
        var status: SpanStatus?
        var events: [SpanEvent] = []
        var ended = false
    }

    public let context: InstrumentationContext
    let kind: SpanKind
    let trace: TraceContext
    let parentSpanID: String?
    let start: UInt64
    let exporter: OTLPExporter
    private let state: Mutex<State>

    init(
        name: String,
        kind: SpanKind,
        context: InstrumentationContext,
        trace: TraceContext,
        parentSpanID: String?,
        start: UInt64,
        exporter: OTLPExporter
    ) {
        self.kind = kind
        self.context = context
        self.trace = trace
        self.parentSpanID = parentSpanID
        self.start = start
        self.exporter = exporter
        state = Mutex(State(name: name))
    }

    public var operationName: String {
        get { state.withLock { $0.name } }
        set { state.withLock { $0.name = newValue } }
    }

    public var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { state.withLock { $0.attributes = newValue } }
    }

    public var isRecording: Bool { state.withLock { !$0.ended } }

    public func setStatus(_ status: SpanStatus) { state.withLock { $0.status = status } }

    public func addEvent(_ event: SpanEvent) { state.withLock { $0.events.append(event) } }

    public func recordError<Instant: TracerInstant>(
        _ error: any Error,
        attributes: SpanAttributes,
        at instant: @autoclosure () -> Instant
    ) {
        var eventAttributes = attributes
        eventAttributes["exception.message"] = "\(error)"
        let event = SpanEvent(name: "exception", at: instant(), attributes: eventAttributes)
        state.withLock {
            $0.events.append(event)
            $0.status = SpanStatus(code: .error, message: "\(error)")
        }
    }

    public func addLink(_ link: SpanLink) {}

    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        let finished: State? = state.withLock { state in
            guard !state.ended else { return nil }
            state.ended = true
            return state
        }
        guard let finished else { return }
        exporter.record(
            FinishedSpan(
                traceID: trace.traceID,
                spanID: trace.spanID,
                parentSpanID: parentSpanID,
                name: finished.name,
                kind: kind,
                start: start,
                end: instant().nanosecondsSinceEpoch,
                attributes: finished.attributes,
                status: finished.status,
                events: finished.events
            )
        )
    }
}
