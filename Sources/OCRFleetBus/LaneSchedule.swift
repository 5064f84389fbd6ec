import OCRFleetModel

/// Which lane a worker pulls from first, round by round: interactive, except every
/// `interactiveWeight + 1`-th round, when batch goes first. With both lanes full, batch jobs
/// so get at least one pull in `interactiveWeight + 1` and are never starved, and a person's
/// upload waits behind at most the jobs already running, not behind a backfill.
public struct LaneSchedule: Sendable {
    public let interactiveWeight: Int
    private var round = 0

    /// `interactiveWeight` 1 alternates the lanes' turns; less is taken as 1.
    public init(interactiveWeight: Int) {
        self.interactiveWeight = max(interactiveWeight, 1)
    }

    /// The lanes in this round's order.
    public mutating func next() -> [JobPriority] {
        defer { round = (round + 1) % (interactiveWeight + 1) }
        return round == interactiveWeight ? [.batch, .interactive] : [.interactive, .batch]
    }
}
