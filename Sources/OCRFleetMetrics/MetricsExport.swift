import Metrics
import Prometheus

/// The process's metrics (swift-metrics), exported in Prometheus' text format at `/metrics`.
public enum MetricsExport {
    /// The registry swift-metrics records into, bootstrapped on first use: touch it before
    /// making any metric, since one made earlier records nowhere.
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // From a fast API call to a long document.
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
            .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120), .seconds(300), .seconds(600),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Everything recorded so far, as `GET /metrics` answers it.
    public static func exposition() -> [UInt8] { registry.emitToBuffer() }

    /// The content type of `exposition()`.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}
