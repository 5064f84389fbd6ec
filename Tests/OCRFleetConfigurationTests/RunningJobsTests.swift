import OCRFleetModel
import OCRFleetTesting
import Synchronization
import Testing

@testable import OCRFleetWorker

/// A job whose work ignores its stop (native code in the worker's process) is reported as
/// wedged once it is past its time limit plus the grace, which fails `/healthz`. Time is
/// moved by hand.
@Suite struct RunningJobsTests {
    /// Released by the test, whatever cancellation says.
    final class Latch: Sendable {
        private let waiter = Mutex<CheckedContinuation<Void, Never>?>(nil)
        private let opened = Mutex(false)

        func wait() async {
            await withCheckedContinuation { continuation in
                let open = opened.withLock { open in
                    if !open { waiter.withLock { $0 = continuation } }
                    return open
                }
                if open { continuation.resume() }
            }
        }

        func open() {
            opened.withLock { $0 = true }
            waiter.withLock { $0 }?.resume()
        }
    }

    let clock = ManualClock()
    let running: RunningJobs
    let status = WorkerStatus()
    /// Opened when the job is stopped (it goes on regardless); the job ends when `release` opens.
    let stopped = Latch()
    let release = Latch()

    init() {
        running = RunningJobs(clock: FleetClock(clock))
        status.setRunningJobs(running)
    }

    func stuckJob(timeLimit: Duration) -> Task<(Result<Void, any Error>, StopReason?), Never> {
        Task { [running, stopped, release] in
            await running.run("stuck", timeLimit: timeLimit) {
                await withTaskCancellationHandler {
                    await release.wait()
                } onCancel: {
                    stopped.open()
                }
            }
        }
    }

    @Test func aJobThatIgnoresItsStopIsWedgedPastItsLimitAndGrace() async throws {
        let job = stuckJob(timeLimit: .seconds(60))
        // The time limit's timer is set.
        await clock.sleepers(atLeast: 1)
        clock.advance(by: .seconds(59))
        #expect(status.wedgedJobs(grace: .zero).isEmpty, "within its time limit")
        clock.advance(by: .seconds(1))
        await stopped.wait()
        clock.advance(by: .seconds(30))
        #expect(status.wedgedJobs(grace: .seconds(30)).isEmpty, "within the grace for stopping")
        clock.advance(by: .milliseconds(1))
        #expect(status.wedgedJobs(grace: .seconds(30)) == ["stuck"])
        release.open()
        let (_, reason) = await job.value
        #expect(reason == .timedOut)
        #expect(status.wedgedJobs(grace: .zero).isEmpty)
    }

    @Test func aJobCancelledEarlyIsWedgedAGraceAfterItsCancel() async throws {
        let job = stuckJob(timeLimit: .seconds(3600))
        await clock.sleepers(atLeast: 1)
        clock.advance(by: .seconds(10))
        #expect(running.stop("stuck", .cancelRequested))
        await stopped.wait()
        clock.advance(by: .seconds(30))
        #expect(status.wedgedJobs(grace: .seconds(30)).isEmpty)
        clock.advance(by: .milliseconds(1))
        #expect(status.wedgedJobs(grace: .seconds(30)) == ["stuck"], "not an hour later, at its time limit")
        release.open()
        let (_, reason) = await job.value
        #expect(reason == .cancelRequested)
    }
}
