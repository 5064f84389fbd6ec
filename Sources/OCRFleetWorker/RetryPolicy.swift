/// Exponential backoff with jitter for transient failures, computed from the attempt number
/// the server reports, so it holds across workers and restarts.
public struct RetryPolicy: Sendable {
    public var maxDeliver: Int
    public var base: Duration
    public var cap: Duration

    public init(maxDeliver: Int, base: Duration, cap: Duration) {
        self.maxDeliver = maxDeliver
        self.base = base
        self.cap = cap
    }

    /// Whether attempt `attempt` (1-based) failing with a retryable error gets another try.
    public func willRetry(afterAttempt attempt: Int, retryable: Bool) -> Bool {
        retryable && attempt < maxDeliver
    }

    /// Delay before the attempt after `attempt`: base·2^(attempt-1), capped, ±20 % jitter
    /// so a burst of failures does not come back as a burst.
    public func delay(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let nominal = min(base * (1 << exponent), cap)
        return nominal * Double.random(in: 0.8...1.2)
    }
}
