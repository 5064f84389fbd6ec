import Instrumentation

/// W3C trace context (`traceparent`): which trace a piece of work belongs to and which span
/// started it. Jobs carry it as the CloudEvents `traceparent` extension.
public struct TraceContext: Sendable, Equatable {
    /// 32 lower-case hex digits, not all zero.
    public var traceID: String
    /// 16 lower-case hex digits, not all zero.
    public var spanID: String
    public var sampled: Bool

    public init(traceID: String, spanID: String, sampled: Bool = true) {
        self.traceID = traceID
        self.spanID = spanID
        self.sampled = sampled
    }

    /// Reads `00-<trace id>-<span id>-<flags>`; nil for anything else, as the W3C spec asks
    /// of a malformed header (the work then starts a trace of its own).
    public init?(traceparent: String) {
        let parts = traceparent.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 4, parts[0].count == 2, parts[0] != "ff", Self.isHex(parts[0]),
            parts[1].count == 32, Self.isHex(parts[1]), parts[1] != String(repeating: "0", count: 32),
            parts[2].count == 16, Self.isHex(parts[2]), parts[2] != String(repeating: "0", count: 16),
            parts[3].count == 2, let flags = UInt8(parts[3], radix: 16),
            parts[0] != "00" || parts.count == 4
        else { return nil }
        self.init(traceID: parts[1], spanID: parts[2], sampled: flags & 1 == 1)
    }

    public var traceparent: String { "00-\(traceID)-\(spanID)-\(sampled ? "01" : "00")" }

    static func isHex(_ text: String) -> Bool {
        text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    static func randomID(bytes: Int) -> String {
        (0..<bytes).map { _ in UInt8.random(in: 0...255) }.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
        }.joined()
    }

    /// A new trace's first span.
    static func newTrace() -> TraceContext { TraceContext(traceID: randomID(bytes: 16), spanID: randomID(bytes: 8)) }

    /// A new span in this trace.
    func child() -> TraceContext { TraceContext(traceID: traceID, spanID: Self.randomID(bytes: 8), sampled: sampled) }
}

private enum TraceContextKey: InstrumentationContextKey {
    typealias Value = TraceContext
}

extension InstrumentationContext {
    /// The span this context belongs to (or, after extraction, the remote parent).
    public var traceContext: TraceContext? {
        get { self[TraceContextKey.self] }
        set { self[TraceContextKey.self] = newValue }
    }

    /// A top-level context whose parent is `traceparent`, when it is a valid one.
    public static func continuing(_ traceparent: String?) -> InstrumentationContext {
        var context = InstrumentationContext.topLevel
        context.traceContext = traceparent.flatMap(TraceContext.init(traceparent:))
        return context
    }
}
