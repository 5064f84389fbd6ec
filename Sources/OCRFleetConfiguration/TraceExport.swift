import Foundation

/// Where a process sends its traces, and how many of the traces it starts itself it keeps;
/// nil (`OCR_OTLP_ENDPOINT` unset) means no tracer at all.
public struct TraceExport: Sendable, Equatable {
    /// The collector's OTLP/HTTP traces URL (`http://otel-collector:4318/v1/traces`).
    public var tracesURL: String
    /// Share of root traces recorded, 0...1; a caller's sampled flag decides for its own.
    public var sampleRatio: Double

    /// `endpoint`: the collector's base URL; `/v1/traces` is added unless it names a path.
    public init(endpoint: String, sampleRatio: Double = 1) {
        let trimmed = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        let hasPath = URLComponents(string: trimmed).map { !$0.path.isEmpty } ?? false
        tracesURL = hasPath ? trimmed : trimmed + "/v1/traces"
        self.sampleRatio = sampleRatio
    }
}

extension SettingsReader {
    /// `OCR_OTLP_ENDPOINT` and `OCR_TRACE_SAMPLE_RATIO`; nil without an endpoint.
    public func traceExport() throws(SettingsError) -> TraceExport? {
        let ratio = try double(CommonSettings.traceSampleRatio, default: 1)
        guard ratio <= 1 else {
            throw .invalidValue(CommonSettings.traceSampleRatio, "\(ratio)", expected: "a number from 0 to 1")
        }
        return string(CommonSettings.otlpEndpoint).map { TraceExport(endpoint: $0, sampleRatio: ratio) }
    }
}
