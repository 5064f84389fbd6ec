import Logging
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import Synchronization
import Testing

@testable import OCRFleetWorker

/// How long a worker waits before trying again: a failed job (JetStream holds it for the
/// policy's delay) and a bus call in trouble (waited out in process, time moved by hand).
@Suite struct RetryTimingTests {
    @Test func aJobsRetriesWaitTwiceAsLongEachTimeWithinAFifthUpToTheCap() {
        let policy = RetryPolicy(maxDeliver: 5, maxLost: 3, base: .seconds(10), cap: .seconds(60))
        let tolerance = Duration.milliseconds(1)
        for (failures, nominal) in [(1, 10.0), (2, 20), (3, 40), (4, 60), (10, 60), (1000, 60)] {
            let delays = (0..<200).map { _ in policy.delay(afterFailures: failures) }
            #expect(delays.allSatisfy { $0 >= .seconds(nominal * 0.8) - tolerance && $0 <= .seconds(nominal * 1.2) + tolerance })
            #expect(Set(delays).count > 1, "jittered, so a burst of failures does not come back as one")
        }
        #expect(policy.willRetry(afterFailures: 4, delivery: 4, retryable: true))
        #expect(!policy.willRetry(afterFailures: 5, delivery: 5, retryable: true), "failures are bounded by maxDeliver")
        #expect(!policy.willRetry(afterFailures: 1, delivery: 8, retryable: true), "and deliveries by both budgets")
        #expect(!policy.willRetry(afterFailures: 1, delivery: 1, retryable: false))
    }

    /// Tries of a bus call that fails `failures` times (nil: always), at their offsets on `clock`.
    final class FlakyBus: Sendable {
        let clock: ManualClock
        let failures: Int?
        let tries = Mutex<[Duration]>([])

        init(clock: ManualClock, failures: Int?) {
            self.clock = clock
            self.failures = failures
        }

        func call() throws -> Int {
            let count = tries.withLock {
                $0.append(clock.now.offset)
                return $0.count
            }
            if let failures, count > failures { return count }
            throw NATSError.injected("a flaky call")
        }
    }

    @Test(.timeLimit(.minutes(1))) func busTroubleIsWaitedOutWithDoublingPauses() async throws {
        let clock = ManualClock()
        let patience = BusPatience(limit: .seconds(30), clock: FleetClock(clock))
        let bus = FlakyBus(clock: clock, failures: 5)
        let call = Task { try await patience.run("a call", logger: Logger(label: "test")) { try bus.call() } }
        for pause in [200, 400, 800, 1000, 1000] {
            await clock.sleepers(atLeast: 1)
            clock.advance(by: .milliseconds(pause))
        }
        #expect(try await call.value == 6)
        #expect(bus.tries.withLock { $0 } == [0, 200, 600, 1400, 2400, 3400].map { Duration.milliseconds($0) })
    }

    @Test(.timeLimit(.minutes(1))) func busTroublePastTheLimitReachesTheCaller() async throws {
        let clock = ManualClock()
        let patience = BusPatience(limit: .seconds(3), clock: FleetClock(clock))
        let bus = FlakyBus(clock: clock, failures: nil)
        let call = Task { try await patience.run("a call", logger: Logger(label: "test")) { try bus.call() } }
        for pause in [200, 400, 800, 1000] {
            await clock.sleepers(atLeast: 1)
            clock.advance(by: .milliseconds(pause))
        }
        await #expect(throws: NATSError.self) { try await call.value }
        // The next pause would end past the limit: the error comes at once, not at 3 s.
        #expect(bus.tries.withLock { $0 } == [0, 200, 600, 1400, 2400].map { Duration.milliseconds($0) })
        #expect(clock.now.offset == .milliseconds(2400))
    }
}
