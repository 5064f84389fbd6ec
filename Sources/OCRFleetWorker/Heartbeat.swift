import OCRFleetBus
import Synchronization

/// In-progress acks for one delivery, so JetStream does not hand a job that is still being
/// worked on to another worker. They stop at `stopAt` when one is set: an attempt past its
/// time limit (plus a grace for stopping it) is wedged, and then the job had better be
/// redelivered than held for ever.
final class Heartbeat: Sendable {
    private final class Deadline: Sendable {
        let instant = Mutex<ContinuousClock.Instant?>(nil)
    }

    private let deadline = Deadline()
    private let beats: Task<Void, Never>

    init(_ message: JetStreamMessage, every interval: Duration) {
        let deadline = self.deadline
        beats = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                if let end = deadline.instant.withLock({ $0 }), ContinuousClock.now >= end { break }
                try? await message.inProgress()
            }
        }
    }

    /// Beats until `instant`; nil: until stopped.
    func beat(until instant: ContinuousClock.Instant?) { deadline.instant.withLock { $0 = instant } }

    func stop() { beats.cancel() }
}
