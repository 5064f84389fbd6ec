import Logging
import OCRFleetModel

/// The job consumers a worker pulls from, through an inbox of its own: each lane's, the GPU routes'
/// only on a worker that can run DeepSeek-OCR, and `ocr-unrouted` (taken as interactive).
public struct JobLanes: Sendable {
    struct Lane: Sendable {
        let consumer: String
        let priority: JobPriority
        let needsGPU: Bool
    }

    let lanes: [Lane]
    let connection: NATSConnection
    let inbox: PullInbox

    /// The consumers of every route this worker may take: the GPU routes only when
    /// `servesGPU`. Create them first with `FleetTopology`.
    public init(connection: NATSConnection, servesGPU: Bool) throws {
        self.connection = connection
        inbox = try PullInbox(connection: connection)
        lanes =
            JobRoute.all.filter { servesGPU || !$0.needsGPU }.map {
                Lane(consumer: $0.consumer, priority: $0.lane, needsGPU: $0.needsGPU)
            } + [Lane(consumer: StreamNames.unroutedConsumer, priority: .interactive, needsGPU: false)]
    }

    /// One round's pulls, in order: the lanes as the schedule puts them; within a lane its
    /// consumers (the GPU route only while `gpuReady`) each first in turn, round by round, so
    /// none of them (`ocr-unrouted`'s older jobs, a GPU worker's `auto` jobs) waits for
    /// another to run dry.
    static func order(_ lanes: [Lane], lanesFirst: [JobPriority], gpuReady: Bool, turn: Int) -> [Lane] {
        lanesFirst.flatMap { priority in
            let own = lanes.filter { $0.priority == priority && (gpuReady || !$0.needsGPU) }
            guard !own.isEmpty else { return [Lane]() }
            let start = turn % own.count
            return Array(own[start...] + own[..<start])
        }
    }

    /// Pulled jobs as an async sequence. Before each round it asks `batchSize` how many jobs
    /// the caller can start (waiting there while it has no room), so no more are pulled than
    /// it can run. A round asks each consumer in order for what is ready now, up to the
    /// room; when none has any, it waits up to `wait` on the first interactive one. The
    /// sequence ends when the task is cancelled or `shouldStop` says so, checked between
    /// rounds so a pulled job is never dropped. A failed pull is tried again a second later
    /// on `clock`.
    public func messages(
        interactiveWeight: Int,
        wait: Duration = .seconds(1),
        clock: FleetClock = .continuous,
        gpuReady: @escaping @Sendable () -> Bool = { true },
        batchSize: @escaping @Sendable () async -> Int,
        shouldStop: @escaping @Sendable () -> Bool = { false }
    ) -> LanePulls {
        LanePulls(
            lanes: lanes,
            connection: connection,
            inbox: inbox,
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

    let lanes: [JobLanes.Lane]
    let connection: NATSConnection
    let inbox: PullInbox
    let interactiveWeight: Int
    let wait: Duration
    let clock: FleetClock
    let gpuReady: @Sendable () -> Bool
    let batchSize: @Sendable () async -> Int
    let shouldStop: @Sendable () -> Bool

    public func makeAsyncIterator() -> Iterator {
        Iterator(pulls: self, schedule: LaneSchedule(interactiveWeight: interactiveWeight))
    }

    public struct Iterator: AsyncIteratorProtocol {
        let pulls: LanePulls
        var schedule: LaneSchedule
        var turn = 0
        var buffered: [JetStreamMessage] = []

        public mutating func next() async -> JetStreamMessage? {
            while buffered.isEmpty {
                if Task.isCancelled || pulls.shouldStop() { return nil }
                let room = Swift.max(await pulls.batchSize(), 1)
                if Task.isCancelled || pulls.shouldStop() { return nil }
                let order = JobLanes.order(pulls.lanes, lanesFirst: schedule.next(), gpuReady: pulls.gpuReady(), turn: turn)
                turn = (turn + 1) % 60
                buffered = await Self.round(order, room: room, pulls: pulls).reversed()
            }
            return buffered.popLast()
        }

        /// A lane whose pull fails (NATS briefly away, a consumer without a leader) is logged
        /// and passed over for this round; the library reconnects by itself.
        private static func round(_ order: [JobLanes.Lane], room: Int, pulls: LanePulls) async -> [JetStreamMessage] {
            var pulled: [JetStreamMessage] = []
            var failed = false
            func pull(_ lane: JobLanes.Lane, wait: Duration?) async -> JetStreamMessage? {
                do {
                    return try await pulls.connection.pullOne(
                        stream: StreamNames.jobs,
                        consumer: lane.consumer,
                        wait: wait,
                        inbox: pulls.inbox
                    )
                } catch {
                    failed = true
                    pulls.connection.logger.warning("pull failed", metadata: ["consumer": "\(lane.consumer)", "error": "\(error)"])
                    return nil
                }
            }
            for lane in order {
                while pulled.count < room, let message = await pull(lane, wait: nil) { pulled.append(message) }
            }
            if pulled.isEmpty, !failed, let first = order.first(where: { $0.priority == .interactive }) ?? order.first,
                let message = await pull(first, wait: pulls.wait)
            {
                pulled.append(message)
            }
            if pulled.isEmpty, failed { try? await pulls.clock.sleep(for: .seconds(1)) }
            return pulled
        }
    }
}
