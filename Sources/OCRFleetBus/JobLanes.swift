import OCRFleetModel

/// The job consumers a worker pulls from, through an inbox of its own: each lane's, the GPU routes'
/// only on a worker that can run DeepSeek-OCR, `ocr-unrouted` (taken as interactive), and each
/// tenant's consumer of the routes it may take, found from what waits in `OCR_JOBS`.
public struct JobLanes: Sendable {
    struct Lane: Sendable, Equatable {
        let consumer: String
        let route: JobRoute
        /// The tenant whose jobs the consumer holds; nil for the shared routes.
        let tenant: String?

        var priority: JobPriority { route.lane }
        var needsGPU: Bool { route.needsGPU }
    }

    let shared: [Lane]
    let servesGPU: Bool
    let fairShare: FairShare
    let connection: NATSConnection
    let inbox: PullInbox

    /// How a worker takes turns between tenants (docs/lanes.md#fair-share).
    public struct FairShare: Sendable {
        /// Makes a tenant's consumer the first time a worker finds its jobs waiting.
        public var topology: FleetTopology
        /// Jobs of one tenant on one route delivered and not yet settled, across the fleet.
        public var maxRunning: Int
        /// How long what waits is taken as known before it is read again.
        public var rediscovery: Duration

        public init(topology: FleetTopology = FleetTopology(), maxRunning: Int = 100, rediscovery: Duration = .milliseconds(500)) {
            self.topology = topology
            self.maxRunning = maxRunning
            self.rediscovery = rediscovery
        }

        /// Whether a tenant's consumer has the settings this worker would make it with.
        func isAsWanted(_ load: ConsumerLoad) -> Bool {
            load.maxUnsettled == Int64(topology.tenantMaxAckPending(maxRunning)) && load.maxDeliver == Int64(topology.maxDeliver)
                && load.ackWait == topology.ackWaitNanoseconds
        }
    }

    /// The consumers of every route this worker may take: the GPU routes only when
    /// `servesGPU`. Create the shared ones first with `FleetTopology`.
    public init(connection: NATSConnection, servesGPU: Bool, fairShare: FairShare = FairShare()) throws {
        self.connection = connection
        self.servesGPU = servesGPU
        self.fairShare = fairShare
        inbox = try PullInbox(connection: connection)
        shared =
            JobRoute.all.filter { servesGPU || !$0.needsGPU }.map { Lane(consumer: $0.consumer, route: $0, tenant: nil) }
            + [Lane(consumer: StreamNames.unroutedConsumer, route: JobRoute(lane: .interactive, needsGPU: false), tenant: nil)]
    }

    /// One lane's consumers in the order a round asks them: the GPU routes only while
    /// `gpuReady`; the shared consumers as `JobRoute.all` has them, then the tenants' by name,
    /// starting after the one served last (or, when that one has gone, after where it stood),
    /// so each gets its turn whoever has more waiting.
    static func order(_ shared: [Lane], _ tenants: [Lane], priority: JobPriority, gpuReady: Bool, after last: Lane?) -> [Lane] {
        func own(_ lanes: [Lane]) -> [Lane] { lanes.filter { $0.priority == priority && (gpuReady || !$0.needsGPU) } }
        let lanes = own(shared) + own(tenants).sorted { ($0.tenant ?? "", $0.consumer) < ($1.tenant ?? "", $1.consumer) }
        guard let last else { return lanes }
        let start: Int
        if let index = lanes.firstIndex(of: last) {
            start = index + 1
        } else if let tenant = last.tenant {
            start = lanes.firstIndex { ($0.tenant ?? "", $0.consumer) > (tenant, last.consumer) && $0.tenant != nil } ?? lanes.count
        } else {
            start = 0
        }
        let cut = start % max(lanes.count, 1)
        return Array(lanes[cut...] + lanes[..<cut])
    }

    /// The tenants' consumers this worker may pull, for the subjects of `OCR_JOBS` that keep
    /// jobs.
    func tenantLanes(waiting counts: [String: UInt64]) -> [Lane] {
        counts.compactMap { subject, count in
            guard count > 0, let (route, tenant) = JobRoute.tenantRoute(of: subject), servesGPU || !route.needsGPU else {
                return nil
            }
            return Lane(consumer: route.consumer(tenant: tenant), route: route, tenant: tenant)
        }
    }

    /// Whether a job published on `subject` is one this worker takes now.
    func takes(_ subject: String, gpuReady: Bool) -> Bool {
        if subject == Subjects.jobs { return true }
        guard let route = JobRoute.tenantRoute(of: subject)?.route ?? JobRoute.all.first(where: { $0.subject == subject }) else {
            return false
        }
        return !route.needsGPU || (servesGPU && gpuReady)
    }

    /// Pulled jobs as an async sequence. Before each round it asks `batchSize` how many jobs
    /// the caller can start (waiting there while it has no room), so no more are pulled than
    /// it can run. A round takes the lanes as the schedule puts them and, within a lane, one
    /// job from each consumer in turn, up to the room; when none has any, it waits up to
    /// `wait` for a job to be published on a route it takes. The sequence ends when the task is cancelled or
    /// `shouldStop` says so, checked between rounds so a pulled job is never dropped. A failed
    /// pull is tried again a second later on `clock`.
    public func messages(
        interactiveWeight: Int,
        wait: Duration = .seconds(1),
        clock: FleetClock = .continuous,
        gpuReady: @escaping @Sendable () -> Bool = { true },
        batchSize: @escaping @Sendable () async -> Int,
        shouldStop: @escaping @Sendable () -> Bool = { false }
    ) -> LanePulls {
        LanePulls(
            lanes: self,
            interactiveWeight: interactiveWeight,
            wait: wait,
            clock: clock,
            gpuReady: gpuReady,
            batchSize: batchSize,
            shouldStop: shouldStop
        )
    }
}
