import Synchronization
import Testing

@testable import OCRFleetWorker

/// A job whose work ignores its stop (native code in the worker's process) is reported as
/// wedged once it is past its time limit plus the grace, which fails `/healthz`.
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

    @Test func aJobThatIgnoresItsStopIsWedgedPastItsLimitAndGrace() async throws {
        let running = RunningJobs()
        let status = WorkerStatus()
        status.setRunningJobs(running)
        let latch = Latch()
        // Opened when the time limit's stop reaches the job (which goes on regardless).
        let stopped = Latch()
        let job = Task {
            await running.run("stuck", timeLimit: .milliseconds(100)) {
                await withTaskCancellationHandler {
                    await latch.wait()
                } onCancel: {
                    stopped.open()
                }
            }
        }
        #expect(status.wedgedJobs(grace: .seconds(3600)).isEmpty)
        let deadline = ContinuousClock.now + .seconds(30)
        while status.wedgedJobs(grace: .milliseconds(200)).isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status.wedgedJobs(grace: .milliseconds(200)) == ["stuck"])
        await stopped.wait()
        latch.open()
        let (_, reason) = await job.value
        #expect(reason == .timedOut)
        #expect(status.wedgedJobs(grace: .zero).isEmpty)
    }
}
