import Logging
import OCRFleetConfiguration
import OTel
import ServiceLifecycle

/// The process's tracer: swift-otel with W3C trace context, a parent-based sampler, its batch
/// span processor and its OTLP/HTTP exporter (protobuf). Only traces: logs go to standard
/// error and metrics to Prometheus, as without a tracer.
public enum FleetTracing {
    /// Installs the tracer for the whole process and returns the service that sends its spans.
    /// Put it first in the service group: it stops last, so the spans of work that drains go
    /// out. Only the `OCR_*` settings configure it; swift-otel's `OTEL_*` variables are not read.
    public static func bootstrap(
        _ export: TraceExport,
        serviceName: String,
        logLevel: String,
        logger: Logger
    ) throws -> some Service {
        try OTel.bootstrap(
            configuration: configuration(export, serviceName: serviceName, logLevel: logLevel, logger: logger),
            environment: [:]
        )
    }

    /// `trace_id`, `span_id` and `trace_flags` of the span current where a line is logged.
    public static var loggingMetadataProvider: Logger.MetadataProvider { OTel.makeLoggingMetadataProvider() }

    static func configuration(
        _ export: TraceExport,
        serviceName: String,
        logLevel: String,
        logger: Logger
    ) -> OTel.Configuration {
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.diagnosticLogger = .custom(logger)
        configuration.diagnosticLogLevel = diagnosticLevel(logLevel)
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.propagators = [.traceContext]
        // A caller's sampled flag decides for its trace; the ratio only for traces begun here.
        configuration.traces.sampler = .parentBasedTraceIDRatio(ratio: export.sampleRatio) ?? .parentBasedAlwaysOn
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        configuration.traces.otlpExporter.endpoint = export.tracesURL
        return configuration
    }

    /// swift-otel's own log lines at the process's level (it has no notice or critical).
    static func diagnosticLevel(_ level: String) -> OTel.Configuration.LogLevel {
        switch Logger.Level(rawValue: level.lowercased()) ?? .info {
        case .trace: .trace
        case .debug: .debug
        case .info: .info
        case .notice, .warning: .warning
        case .error, .critical: .error
        }
    }
}
