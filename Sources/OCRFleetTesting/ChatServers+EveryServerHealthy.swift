import OCRFleetChatAPI

extension ChatServers {
    /// Checks the servers until every one is healthy, or `rounds` rounds of checks (each up
    /// to 4 s, a tenth of a second apart) have failed: a test's doubles may be too busy to
    /// answer the start-up check on a loaded machine, and a test that needs them all waits for
    /// them, not for a fixed time. The test's own requests then say what is still wrong.
    public func untilEveryServerIsHealthy(rounds: Int = 30) async {
        for round in 0..<rounds where !pool.endpoints.allSatisfy(\.isHealthy) {
            if round > 0 { try? await Task.sleep(for: .milliseconds(100)) }
            await recheckUnhealthy()
        }
    }
}
