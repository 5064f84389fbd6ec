import Testing

@testable import OCRFleetDeepSeek

@Suite struct AdaptiveLimitTests {
    @Test func pushbackHalvesTheLimitOnceAndAnswersRaiseItAgain() async {
        let limit = AdaptiveLimit(maximum: 16)
        for _ in 0..<3 { _ = await limit.acquire() }
        for _ in 0..<3 { limit.release(.overloaded) }
        #expect(limit.current == 8, "a burst of refusals within a round trip counts once")
        for _ in 0..<200 {
            _ = await limit.acquire()
            limit.release(.answered(latency: .milliseconds(100), tokens: 500))
        }
        #expect(limit.current == 16)
    }

    @Test func slowerTokensMeanQueueingAndLowerTheLimit() async {
        let limit = AdaptiveLimit(maximum: 32)
        for _ in 0..<20 {
            _ = await limit.acquire()
            limit.release(.answered(latency: .milliseconds(500), tokens: 1000))
        }
        #expect(limit.current == 32)
        // A long page is no slower per token: no change.
        for _ in 0..<20 {
            _ = await limit.acquire()
            limit.release(.answered(latency: .seconds(5), tokens: 10_000))
        }
        #expect(limit.current == 32)
        // Ten times slower per token: requests are queueing.
        for _ in 0..<40 {
            _ = await limit.acquire()
            limit.release(.answered(latency: .seconds(5), tokens: 1000))
            try? await Task.sleep(for: .milliseconds(1))
        }
        #expect(limit.current < 32)
    }

    @Test func waitersGetPlacesInTurnAndCancelledOnesGiveUp() async throws {
        let limit = AdaptiveLimit(maximum: 2)
        let first = await limit.acquire()
        let second = await limit.acquire()
        #expect(first && second)
        let waiter = Task { await limit.acquire() }
        let cancelled = Task { await limit.acquire() }
        try await Task.sleep(for: .milliseconds(50))
        cancelled.cancel()
        #expect(await cancelled.value == false)
        limit.release(.failed)
        #expect(await waiter.value == true)
        #expect(limit.inUse == 2 && limit.peak == 2)
    }
}
