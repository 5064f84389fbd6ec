import Foundation
import OCRFleetAPI
import OCRFleetBus
import OCRFleetMetrics
import OCRFleetModel
import OpenAPIRuntime

extension Gateway {
    /// `GET /healthz`: the process runs.
    public func health(_ input: Operations.Health.Input) async throws -> Operations.Health.Output {
        .ok(.init(body: .textPlainCharsetUtf8(HTTPBody("ok\n"))))
    }

    /// `GET /readyz`: NATS is connected and the job streams exist; else 503 saying which is missing.
    public func ready(_ input: Operations.Ready.Input) async throws -> Operations.Ready.Output {
        guard nats.isConnected else { return .serviceUnavailable(.init(body: .textPlainCharsetUtf8(HTTPBody("NATS disconnected\n")))) }
        guard streams.isReady else {
            return .serviceUnavailable(.init(body: .textPlainCharsetUtf8(HTTPBody("job streams not ready\n"))))
        }
        return .ok(.init(body: .textPlainCharsetUtf8(HTTPBody("ready\n"))))
    }

    /// `GET /metrics`: this replica's metrics, with the queue's depth and age, the dead letters
    /// and the review items waiting read now.
    public func metrics(_ input: Operations.Metrics.Input) async throws -> Operations.Metrics.Output {
        if streams.isReady {
            if let jobs = try? await StoredMessages(connection: nats, stream: StreamNames.jobs).backlog() {
                FleetMetrics.queueDepth(jobs.count)
                FleetMetrics.queueAge(age(of: jobs.oldest))
            }
            let stored = StoredMessages(connection: nats, stream: StreamNames.jobs)
            if let routes = try? await stored.counts(bySubject: Subjects.jobsWildcard),
                let unrouted = try? await stored.counts(bySubject: Subjects.jobs)
            {
                var depth = unrouted
                var tenants = Set<String>()
                for (subject, count) in routes {
                    let tenant = JobRoute.tenantRoute(of: subject)
                    depth[tenant?.route.subject ?? subject, default: 0] += count
                    if let tenant { tenants.insert(tenant.tenant) }
                }
                for subject in JobRoute.all.map(\.subject) + [Subjects.jobs] {
                    FleetMetrics.queueDepth(depth[subject] ?? 0, subject: subject)
                }
                FleetMetrics.queueTenants(tenants.count)
            }
            if let letters = try? await StoredMessages(connection: nats, stream: StreamNames.deadLetters).bounds() {
                FleetMetrics.deadLetters(letters.count)
            }
            // Each undecided review item keeps its message in the work queue until its decision.
            if let reviews = try? await StoredMessages(connection: nats, stream: StreamNames.reviews).backlog() {
                FleetMetrics.reviewBacklog(items: reviews.count, oldestAge: age(of: reviews.oldest))
            }
        }
        return .ok(.init(body: .textPlainCharsetUtf8Version_0_0_4(HTTPBody(MetricsExport.exposition()))))
    }

    /// How long ago `stored` was, by the servers' clock against ours (0 when nothing is stored,
    /// and never negative when the clocks disagree).
    func age(of stored: Date?) -> Duration {
        guard let stored else { return .zero }
        return .milliseconds(max(0, Int(Date().timeIntervalSince(stored) * 1000)))
    }

    /// `GET /openapi.json`: the document the API is generated from.
    public func openapi(_ input: Operations.Openapi.Input) async throws -> Operations.Openapi.Output {
        .ok(.init(body: .json(try Self.document.get())))
    }

    /// `OpenAPIDocument.json` as the generated server writes JSON.
    static let document = Result {
        try JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(OpenAPIDocument.json.utf8))
    }
}
