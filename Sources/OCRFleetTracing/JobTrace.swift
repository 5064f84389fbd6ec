import Instrumentation

/// How a job's trace crosses NATS: the CloudEvents `traceparent` extension, written by the
/// gateway and read by the worker through the installed tracer.
public enum JobTrace {
    /// The `traceparent` a job published now carries: the current span's when a tracer records
    /// one (the gateway's server span, a child of the caller's); else the caller's own header
    /// when it is valid, so a caller's trace reaches the worker through a gateway without a tracer.
    public static func traceparent(caller header: String?) -> String? {
        var carrier: [String: String] = [:]
        if let context = InstrumentationContext.current {
            InstrumentationSystem.instrument.inject(context, into: &carrier, using: HeaderDictionary())
        }
        return carrier["traceparent"] ?? CallerTrace(traceparent: header).traceparent
    }
}

extension InstrumentationContext {
    /// A top-level context whose remote parent is `traceparent`, as the installed tracer reads
    /// it; without a tracer (nothing is read) or a header, just the top level.
    public static func continuing(_ traceparent: String?) -> InstrumentationContext {
        var context = InstrumentationContext.topLevel
        if let traceparent {
            InstrumentationSystem.instrument.extract(["traceparent": traceparent], into: &context, using: HeaderDictionary())
        }
        return context
    }
}

/// Trace headers as a dictionary, the carrier of a job's single `traceparent`.
struct HeaderDictionary: Extractor, Injector {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }

    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}
