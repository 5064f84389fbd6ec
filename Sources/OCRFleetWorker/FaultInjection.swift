import Synchronization

/// Faults a test asks a worker for (`OCR_TEST_FAULTS`), at the points between the steps of a
/// job's end, where a real fault (a stream leader moving, a node killed) cannot be made to
/// land on time from outside. Each fires once per process. None is set in production, and
/// nothing a job carries can set one.
public final class FaultInjection: Sendable {
    public enum Point: String, CaseIterable, Sendable {
        /// The first write of a job's end fails, as a KV write does while its stream elects a leader.
        case endWriteFails = "end-write-fails"
        /// The process exits at once after it recorded its first job end, before announcing it.
        case exitAfterEndWrite = "exit-after-end-write"
    }

    private let armed: Mutex<Set<Point>>

    public init(_ points: Set<Point> = []) { armed = Mutex(points) }

    /// True the first time `point` is reached, when it is armed.
    func fires(_ point: Point) -> Bool {
        armed.withLock { $0.remove(point) != nil }
    }
}
