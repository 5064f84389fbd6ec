import CNats
import OCRFleetModel

/// The review store's streams and buckets (docs/review.md), made or brought up to date as
/// `FleetTopology` does its own; safe to run from many processes at once.
public struct ReviewTopology: Sendable {
    public static let auditDays: Int64 = 400
    public static let correctionsPerSubject: Int64 = 500
    /// A document piece or crop is at most this many bytes, under the server's default
    /// 1 MiB message size with room for headers.
    public static let maxValueBytes = 512 << 10

    public var replicas: Int

    public init(replicas: Int = 1) {
        self.replicas = replicas
    }

    public func ensure(on nats: NATSConnection) async throws {
        let replicas = Int64(replicas)
        try await nats.blockingCall {
            let second = FleetTopology.nanosecondsPerSecond
            try FleetTopology.ensureStream(
                nats,
                name: StreamNames.reviews,
                subjects: [Subjects.reviewsWildcard],
                replicas: replicas
            ) { config in
                config.Retention = js_WorkQueuePolicy
                config.Duplicates = 10 * 60 * second
            }
            try FleetTopology.ensureStream(
                nats,
                name: StreamNames.reviewAudit,
                subjects: [Subjects.reviewAuditWildcard],
                replicas: replicas
            ) { config in
                config.Retention = js_LimitsPolicy
                config.MaxAge = Self.auditDays * 24 * 3600 * second
                config.Duplicates = 10 * 60 * second
                config.AllowDirect = true
            }
            try FleetTopology.ensureStream(
                nats,
                name: StreamNames.reviewCorrections,
                subjects: [Subjects.reviewCorrectionsWildcard],
                replicas: replicas
            ) { config in
                config.Retention = js_LimitsPolicy
                config.MaxMsgsPerSubject = Self.correctionsPerSubject
                config.Duplicates = 10 * 60 * second
                config.AllowDirect = true
            }
            let maxValue = Int32(Self.maxValueBytes)
            try FleetTopology.ensureBucket(nats, StreamNames.reviewBucket, replicas: Int32(replicas), history: 1, maxValueSize: -1)
            try FleetTopology.ensureBucket(
                nats,
                StreamNames.reviewCropBucket,
                replicas: Int32(replicas),
                history: 1,
                maxValueSize: maxValue
            )
        }
    }

    /// A tenant's pull consumer of `OCR_REVIEWS`: explicit acks, the lease as ack wait,
    /// redelivered for ever (an item waits until someone decides it).
    func ensureConsumer(tenant: String, lease: Duration, on nats: NATSConnection) async throws {
        let replicas = Int64(replicas)
        try await nats.blockingCall {
            try Subjects.reviews(tenant: tenant).withCString { filter in
                try FleetTopology.ensureConsumer(nats, StreamNames.reviewConsumer(tenant: tenant), on: StreamNames.reviews) {
                    config in
                    config.FilterSubject = filter
                    config.AckWait = max(lease.components.seconds, 1) * FleetTopology.nanosecondsPerSecond
                    config.MaxDeliver = -1
                    config.DeliverPolicy = js_DeliverAll
                    config.Replicas = replicas
                }
            }
        }
    }
}
