import OCRFleetMetrics
import OCRFleetModel
import Tracing

/// A job's stages in order, run on one attempt's work: each timed stage inside its span, its
/// duration in the work's `timings` (the `completed` event's `timings_ms`) and in the stage
/// metric, and the stages after recognition announced by a `progress` event as they start. A
/// stage that does not apply to the job is passed over: no span, no timing, no event.
struct StageSequence: Sendable {
    let stages: [any JobStage]

    /// Runs the stages up to the first that throws; its error is the attempt's.
    func run(_ work: inout JobWork) async throws {
        for stage in stages where stage.applies(to: work) {
            if stage.announcesStart, let progress = work.progress {
                await progress.stageStarted(stage.name)
                // Another attempt ended the job meanwhile: nothing more is done or uploaded.
                if let ended = await progress.endedElsewhere { throw JobEndedElsewhere(state: ended) }
            }
            guard stage.isTimed else {
                try await stage.run(&work)
                continue
            }
            let started = ContinuousClock.now
            try await withSpan(stage.name) { _ in try await stage.run(&work) }
            let elapsed = ContinuousClock.now - started
            work.timings[stage.name] = Int(elapsed.milliseconds)
            FleetMetrics.stage(stage.name, took: elapsed)
        }
    }
}
