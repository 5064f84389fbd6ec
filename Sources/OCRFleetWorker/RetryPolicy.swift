/// The two budgets of a job's deliveries, and the backoff between its retries. Failures of
/// the job itself (counted in its state) are bounded by `maxDeliver`; deliveries whose
/// worker vanished mid-attempt take the rest of the consumer's `maxDeliver + maxLost`, so
/// preemption does not spend the budget of failures, and a job that keeps killing workers
/// still ends (as `worker_lost`, through the consumer's max-deliveries advisory).
public struct RetryPolicy: Sendable {
    public var maxDeliver: Int
    public var maxLost: Int
    public var base: Duration
    public var cap: Duration

    public init(maxDeliver: Int, maxLost: Int, base: Duration, cap: Duration) {
        self.maxDeliver = maxDeliver
        self.maxLost = maxLost
        self.base = base
        self.cap = cap
    }

    /// The consumer's `MaxDeliver`: both budgets.
    public var consumerMaxDeliver: Int { maxDeliver + maxLost }

    /// Whether a job whose `failures`th failure (1-based) was retryable, on delivery
    /// `delivery`, gets another try: failures left, and a delivery left to make it on.
    public func willRetry(afterFailures failures: Int, delivery: Int, retryable: Bool) -> Bool {
        retryable && failures < maxDeliver && delivery < consumerMaxDeliver
    }

    /// Delay after the `failures`th failure: base·2^(failures-1), capped, ±20 % jitter so a
    /// burst of failures does not come back as a burst.
    public func delay(afterFailures failures: Int) -> Duration {
        let exponent = min(max(failures - 1, 0), 30)
        let nominal = min(base * (1 << exponent), cap)
        return nominal * Double.random(in: 0.8...1.2)
    }
}
