import Logging
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

public struct LanePulls: AsyncSequence, Sendable {
    public typealias Element = JetStreamMessage

    let lanes: JobLanes
    let interactiveWeight: Int
    let wait: Duration
    let clock: FleetClock
    let gpuReady: @Sendable () -> Bool
    let batchSize: @Sendable () async -> Int
    let shouldStop: @Sendable () -> Bool

    /// How long a tenant's pull may be held by the server: one whose consumer is at its
    /// running cap, or was emptied since its counts were read, is answered after this.
    static let tenantHold = Duration.milliseconds(50)
    /// How long a tenant's consumer at its cap, whose pull came back empty, is passed over.
    static let fullCooling = Duration.seconds(5)
    /// How long after failing to make or update a tenant's consumer a worker tries again.
    static let failureCooling = Duration.seconds(5)
    /// The least time between two rounds an idle worker runs on hearing of jobs it then could
    /// not take (a tenant at its cap publishing fast would otherwise keep it busy asking).
    static let futileWakeSpacing = Duration.milliseconds(100)

    public func makeAsyncIterator() -> Iterator {
        Iterator(
            pulls: self,
            schedule: LaneSchedule(interactiveWeight: interactiveWeight),
            arrivals: JobArrivals(connection: lanes.connection)
        )
    }

    public struct Iterator: AsyncIteratorProtocol {
        let pulls: LanePulls
        var schedule: LaneSchedule
        let arrivals: JobArrivals
        var buffered: [JetStreamMessage] = []
        var tenants: [JobLanes.Lane] = []
        var discovered: FleetClock.Instant?
        var cooling: [String: FleetClock.Instant] = [:]
        /// Tenants' consumers this worker has made or brought to its settings, and when it may
        /// try again those it could not.
        var ensured: Set<String> = []
        var ensureAgain: [String: FleetClock.Instant] = [:]
        var lastServed: [JobPriority: JobLanes.Lane] = [:]
        /// When a job heard of last woke this worker, if the round after it took none.
        var futileWake: FleetClock.Instant?
        var failed = false

        public mutating func next() async -> JetStreamMessage? {
            while buffered.isEmpty {
                if Task.isCancelled || pulls.shouldStop() { return stopped() }
                let room = Swift.max(await pulls.batchSize(), 1)
                if Task.isCancelled || pulls.shouldStop() { return stopped() }
                buffered = await round(room: room).reversed()
            }
            return buffered.popLast()
        }

        private func stopped() -> JetStreamMessage? {
            arrivals.stop()
            return nil
        }

        /// A consumer whose pull fails (NATS briefly away, a consumer without a leader) is
        /// logged and passed over for this round; the library reconnects by itself.
        private mutating func round(room: Int) async -> [JetStreamMessage] {
            failed = false
            await discover()
            let gpuReady = pulls.gpuReady()
            var pulled: [JetStreamMessage] = []
            for priority in schedule.next() where pulled.count < room {
                var turn = JobLanes.order(pulls.lanes.shared, tenants, priority: priority, gpuReady: gpuReady, after: lastServed[priority])
                // One job from each consumer in turn; one that had none drops out of the round.
                while pulled.count < room, !turn.isEmpty {
                    var still: [JobLanes.Lane] = []
                    for lane in turn where pulled.count < room {
                        guard let message = await pull(lane) else { continue }
                        pulled.append(message)
                        lastServed[priority] = lane
                        still.append(lane)
                    }
                    turn = still
                }
            }
            if !pulled.isEmpty {
                arrivals.stop()
                futileWake = nil
            } else if failed {
                try? await pulls.clock.sleep(for: .seconds(1))
            } else {
                await idle(gpuReady: gpuReady)
            }
            return pulled
        }

        /// Waits for a job on a route this worker takes, up to `wait`. A tenant's job this
        /// worker does not know of yet has the tenants read again.
        private mutating func idle(gpuReady: Bool) async {
            if let futileWake {
                let since = futileWake.duration(to: pulls.clock.now)
                if since < LanePulls.futileWakeSpacing { try? await pulls.clock.sleep(for: LanePulls.futileWakeSpacing - since) }
            }
            let lanes = pulls.lanes
            let heard = await arrivals.wait(upTo: pulls.wait, clock: pulls.clock) { lanes.takes($0, gpuReady: gpuReady) }
            futileWake = heard == nil ? nil : pulls.clock.now
            if let heard, let (route, tenant) = JobRoute.tenantRoute(of: heard),
                !tenants.contains(where: { $0.tenant == tenant && $0.route == route })
            {
                discovered = nil
            }
        }

        /// The tenants with jobs in `OCR_JOBS`, read again once `rediscovery` has passed.
        private mutating func discover() async {
            let now = pulls.clock.now
            if let discovered, discovered.duration(to: now) < pulls.lanes.fairShare.rediscovery { return }
            do {
                let counts = try await StoredMessages(connection: pulls.lanes.connection, stream: StreamNames.jobs)
                    .counts(bySubject: Subjects.tenantJobsWildcard)
                tenants = pulls.lanes.tenantLanes(waiting: counts)
                discovered = now
            } catch {
                failed = true
                pulls.lanes.connection.logger.warning("cannot read which tenants have jobs waiting", metadata: ["error": "\(error)"])
            }
        }

        private mutating func pull(_ lane: JobLanes.Lane) async -> JetStreamMessage? {
            let connection = pulls.lanes.connection
            do {
                guard let tenant = lane.tenant else {
                    return try await connection.pullOne(stream: StreamNames.jobs, consumer: lane.consumer, wait: nil, inbox: pulls.lanes.inbox)
                }
                if let until = cooling[lane.consumer], pulls.clock.now < until { return nil }
                let share = pulls.lanes.fairShare
                let load = try await connection.consumerLoad(stream: StreamNames.jobs, consumer: lane.consumer)
                // Made when missing; brought to this worker's settings once (workers whose
                // settings differ, in a rolling change, would otherwise undo each other's).
                let wanted = load == nil || (!ensured.contains(lane.consumer) && !share.isAsWanted(load!))
                if wanted, ensureAgain[lane.consumer].map({ pulls.clock.now >= $0 }) ?? true {
                    do {
                        try await share.topology.ensureTenantConsumer(lane.route, tenant: tenant, maxRunning: share.maxRunning, on: connection)
                        ensured.insert(lane.consumer)
                    } catch {
                        ensureAgain[lane.consumer] = pulls.clock.now.advanced(by: LanePulls.failureCooling)
                        connection.logger.warning("cannot make a tenant's consumer", metadata: ["consumer": "\(lane.consumer)", "error": "\(error)"])
                        // One that exists is still pulled, as it is.
                        if load == nil { return nil }
                    }
                } else if load == nil {
                    return nil
                }
                guard let load else { return try await pullHeld(lane) }
                if load.isFull {
                    // Deliveries waiting out a retry's delay or their ack wait count as running,
                    // and the server hands them back only to a pull that waits: never pulling a
                    // tenant at its cap would strand them.
                    let message = try await pullHeld(lane)
                    if message == nil { cooling[lane.consumer] = pulls.clock.now.advanced(by: LanePulls.fullCooling) }
                    return message
                }
                if load.undelivered == 0 {
                    if load.unsettled == 0 { return nil }
                    // Only a redelivery can be due: a plain no_wait is answered at once when none is.
                    return try await connection.pullOne(stream: StreamNames.jobs, consumer: lane.consumer, wait: nil, inbox: pulls.lanes.inbox)
                }
                return try await pullHeld(lane)
            } catch {
                failed = true
                connection.logger.warning("pull failed", metadata: ["consumer": "\(lane.consumer)", "error": "\(error)"])
                return nil
            }
        }

        /// A `no_wait` pull the server answers within `tenantHold` whatever happened since the
        /// consumer's counts were read.
        private func pullHeld(_ lane: JobLanes.Lane) async throws -> JetStreamMessage? {
            try await pulls.lanes.connection.pullOne(
                stream: StreamNames.jobs,
                consumer: lane.consumer,
                wait: nil,
                hold: LanePulls.tenantHold,
                inbox: pulls.lanes.inbox
            )
        }
    }
}
