import Logging
import OCRFleetModel

/// The jobs `JobLanes.messages` pulls, round by round.
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
                        // Stopping ends the round too: each pull may wait, and jobs pulled so far are kept.
                        if Task.isCancelled || pulls.shouldStop() { return pulled }
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
