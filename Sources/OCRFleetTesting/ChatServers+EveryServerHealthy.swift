import OCRFleetChatAPI

extension ChatServers {
    /// Checks the servers until every one is healthy, or `rounds` rounds of checks have
    /// failed: a test's doubles may be too busy to answer the start-up check on a loaded
    /// machine, and a test that needs them all waits for them, not for a fixed time.
    public func untilEveryServerIsHealthy(rounds: Int = 30) async {
        for _ in 0..<rounds where !pool.endpoints.allSatisfy(\.isHealthy) {
            await recheckUnhealthy()
        }
    }
}
