import OCRFleetChatAPI
import OCRFleetModel
import OCRFleetTesting
import Testing

/// The in-flight limit with time moved by hand: how many pages a worker keeps at the vLLM
/// servers as they push back and recover.
@Suite struct AdaptiveLimitTests {
    let clock = ManualClock()

    /// One request out and back, `latency` long by the clock.
    func roundTrip(_ limit: AdaptiveLimit, latency: Duration, tokens: Int) async {
        _ = await limit.acquire()
        clock.advance(by: latency)
        limit.release(.answered(latency: latency, tokens: tokens))
    }

    @Test func pushbackHalvesTheLimitOncePerRoundTripAndAnswersRaiseItAgain() async {
        let limit = AdaptiveLimit(maximum: 16, clock: FleetClock(clock))
        await roundTrip(limit, latency: .milliseconds(100), tokens: 500)
        for _ in 0..<3 { _ = await limit.acquire() }
        for _ in 0..<3 { limit.release(.overloaded) }
        #expect(limit.current == 8, "a burst of refusals within a round trip counts once")
        // A round trip later, refusals are news again.
        clock.advance(by: .milliseconds(101))
        _ = await limit.acquire()
        limit.release(.overloaded)
        #expect(limit.current == 4)
        for _ in 0..<200 { await roundTrip(limit, latency: .milliseconds(100), tokens: 500) }
        #expect(limit.current == 16)
    }

    @Test func slowerTokensMeanQueueingAndLowerTheLimitOncePerRoundTrip() async {
        let limit = AdaptiveLimit(maximum: 32, clock: FleetClock(clock))
        for _ in 0..<20 { await roundTrip(limit, latency: .milliseconds(500), tokens: 1000) }
        #expect(limit.current == 32)
        // A long page is no slower per token: no change.
        for _ in 0..<20 { await roundTrip(limit, latency: .seconds(5), tokens: 10_000) }
        #expect(limit.current == 32)
        // Ten times slower per token: requests are queueing. Answers that come back together
        // (no time between them) lower the limit once.
        for _ in 0..<10 {
            _ = await limit.acquire()
            limit.release(.answered(latency: .seconds(5), tokens: 1000))
        }
        let lowered = limit.current
        #expect(lowered < 32)
        for _ in 0..<10 {
            _ = await limit.acquire()
            limit.release(.answered(latency: .seconds(5), tokens: 1000))
        }
        #expect(limit.current >= lowered, "no second decrease within the five-second round trip")
        // Each round trip of slow answers lowers it by a tenth again.
        for _ in 0..<10 { await roundTrip(limit, latency: .seconds(5) + .milliseconds(1), tokens: 1000) }
        #expect(limit.current < lowered)
    }

    @Test func waitersGetPlacesInTurnAndCancelledOnesGiveUp() async throws {
        let limit = AdaptiveLimit(maximum: 2, clock: FleetClock(clock))
        let first = await limit.acquire()
        let second = await limit.acquire()
        #expect(first && second)
        let waiter = Task { await limit.acquire() }
        while limit.waiting < 1 { await Task.yield() }
        let cancelled = Task { await limit.acquire() }
        while limit.waiting < 2 { await Task.yield() }
        cancelled.cancel()
        #expect(await cancelled.value == false)
        #expect(limit.waiting == 1)
        limit.release(.failed)
        #expect(await waiter.value == true)
        #expect(limit.inUse == 2 && limit.peak == 2)
    }
}
