import W3CTraceContext

/// A caller's W3C trace context headers, reduced to what the spec lets a receiver use: a
/// malformed `traceparent` voids both, a malformed `tracestate` only itself.
public struct CallerTrace: Sendable, Equatable {
    public var traceparent: String?
    public var tracestate: String?

    public init(traceparent: String?, tracestate: String? = nil) {
        guard let traceparent, (try? TraceContext(traceParentHeaderValue: traceparent)) != nil else { return }
        self.traceparent = traceparent
        if let tracestate, (try? TraceContext(traceParentHeaderValue: traceparent, traceStateHeaderValue: tracestate)) != nil {
            self.tracestate = tracestate
        }
    }
}
