/// One stage of a job's path, run by a `StageSequence` on the attempt's `JobWork`: it reads
/// what the stages before it left there and leaves what it makes for the ones after it.
protocol JobStage: Sendable {
    /// The stage's name; for a timed stage also its span's name, its key in the `completed`
    /// event's `timings_ms` and the `stage` label of the stage metric.
    var name: String { get }
    /// Whether the stage gets a span and a timing. The stages events, metrics and dashboards
    /// name are timed; a quick step between them is not, so as not to add keys they never had.
    var isTimed: Bool { get }
    /// Whether a `progress` event with the stage's name goes out as it starts: the stages
    /// after recognition, which a submitter otherwise sees nothing of.
    var announcesStart: Bool { get }
    /// Whether the stage has work for this job; one that has none is passed over, untimed.
    func applies(to work: JobWork) -> Bool
    func run(_ work: inout JobWork) async throws
}

extension JobStage {
    var isTimed: Bool { true }

    var announcesStart: Bool { false }

    func applies(to work: JobWork) -> Bool { true }
}
