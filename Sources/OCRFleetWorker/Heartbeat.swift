import OCRFleetBus
import OCRFleetModel
import Synchronization

/// In-progress acks for one delivery, so JetStream does not hand a job that is still being
/// worked on to another worker. They stop at `stopAt` when one is set: an attempt past its
/// time limit (plus a grace for stopping it) is wedged, and then the job had better be
/// redelivered than held for ever.
final class Heartbeat: Sendable {
    private final class Deadline: Sendable {
        let instant = Mutex<FleetClock.Instant?>(nil)
    }

    private let deadline = Deadline()
    private let beats: Task<Void, Never>

    convenience init(_ message: JetStreamMessage, every interval: Duration, clock: FleetClock) {
        self.init(every: interval, clock: clock) { try? await message.inProgress() }
    }

    /// `beat` is one in-progress ack; the heartbeat decides when.
    init(every interval: Duration, clock: FleetClock, beat: @escaping @Sendable () async -> Void) {
        let deadline = self.deadline
        let first = clock.now + interval
        beats = Task {
            var next = first
            while !Task.isCancelled {
                try? await clock.sleep(until: next)
                if Task.isCancelled { break }
                if let end = deadline.instant.withLock({ $0 }), clock.now >= end { break }
                await beat()
                next = clock.now + interval
            }
        }
    }

    /// Beats until `instant` (of the clock the heartbeat was given); nil: until stopped.
    func beat(until instant: FleetClock.Instant?) { deadline.instant.withLock { $0 = instant } }

    func stop() { beats.cancel() }

    /// Returns once no more acks will go out: stopped, or past `beat(until:)`'s instant.
    func finished() async { await beats.value }
}
