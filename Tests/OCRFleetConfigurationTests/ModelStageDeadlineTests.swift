import OCRFleetModel
import OCRFleetTesting
import Testing

@testable import OCRFleetWorker

/// The classify and extract stages stop at a deadline a tenth (at most a minute) before the
/// job's time limit, so a slow model costs a job its labels or values, not its markdown. Time
/// is moved by hand.
@Suite struct ModelStageDeadlineTests {
    let clock = ManualClock()

    @Test func theDeadlineLeavesATenthOfTheLimitAtMostAMinute() {
        let start = FleetClock(clock).now
        #expect(ModelStageDeadline.instant(jobStarted: start, timeLimit: .seconds(100)) == start + .seconds(90))
        #expect(ModelStageDeadline.instant(jobStarted: start, timeLimit: .seconds(900)) == start + .seconds(840))
    }

    @Test func aModelThatOutlastsTheDeadlineIsCancelledAndGivesNothing() async throws {
        let fleetClock = FleetClock(clock)
        let deadline = fleetClock.now + .seconds(90)
        let stage = Task {
            try await ModelStageDeadline.run(until: deadline, clock: fleetClock) { () async throws -> Int in
                // A model that never answers: only cancellation ends the wait.
                try await Task.sleep(for: .seconds(86_400))
                return 1
            }
        }
        await clock.sleepers(atLeast: 1)
        clock.advance(by: .seconds(90))
        let value = try await stage.value
        #expect(value == nil)
    }

    @Test func anAnswerBeforeTheDeadlineIsKept() async throws {
        let fleetClock = FleetClock(clock)
        let value = try await ModelStageDeadline.run(until: fleetClock.now + .seconds(90), clock: fleetClock) { 7 }
        #expect(value == 7)
    }

    @Test func aStoppedJobStopsTheStageWithCancellation() async throws {
        let fleetClock = FleetClock(clock)
        let stage = Task {
            try await ModelStageDeadline.run(until: fleetClock.now + .seconds(90), clock: fleetClock) { () async throws -> Int in
                try await Task.sleep(for: .seconds(86_400))
                return 1
            }
        }
        await clock.sleepers(atLeast: 1)
        stage.cancel()
        await #expect(throws: CancellationError.self) { try await stage.value }
    }
}
