/// Waits until `condition` holds, asking again every `interval`, for at most `timeout`; false
/// if it never did. For what another process makes true without announcing it (a process
/// gone, a consumer drained): a test waits for that, never for a fixed time.
public func eventually(
    within timeout: Duration = .seconds(30),
    every interval: Duration = .milliseconds(50),
    _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return true }
        guard ContinuousClock.now + interval < deadline else { return false }
        try await Task.sleep(for: interval)
    }
}
