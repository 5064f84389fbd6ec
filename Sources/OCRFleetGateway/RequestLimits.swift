import Foundation
import OCRFleetBus
import OCRFleetModel
import Synchronization

/// Token buckets, one per client: `rate` requests a second, up to `burst` at once. Each
/// replica keeps its own, so behind a load balancer the fleet's limit is the sum. The clock
/// is a parameter so tests can move time instead of waiting for it.
final class RateLimiter<C: Clock>: Sendable where C.Duration == Duration {
    private struct Bucket {
        var tokens: Double
        var updated: C.Instant
    }

    let rate: Double
    let burst: Double
    let clock: C
    private let buckets = Mutex<[String: Bucket]>([:])
    /// Buckets kept at most. Past it full buckets are dropped (as good as none), then the
    /// longest unused ones, down to half, so a flood of new clients costs a sweep now and then.
    static var maxClients: Int { 10_000 }

    init(rate: Double, burst: Int, clock: C) {
        self.rate = rate
        self.burst = Double(burst)
        self.clock = clock
    }

    /// Takes one request from `client`'s bucket; nil when allowed, else how long until it would be.
    func admit(_ client: String) -> Duration? {
        guard rate > 0 else { return nil }
        let now = clock.now
        return buckets.withLock { buckets in
            if buckets.count > Self.maxClients { sweep(&buckets, at: now) }
            var bucket = refilled(buckets[client] ?? Bucket(tokens: burst, updated: now), at: now)
            defer { buckets[client] = bucket }
            guard bucket.tokens >= 1 else { return wait(for: bucket) }
            bucket.tokens -= 1
            return nil
        }
    }

    private func sweep(_ buckets: inout [String: Bucket], at now: C.Instant) {
        buckets = buckets.filter { refilled($0.value, at: now).tokens < burst }
        guard buckets.count > Self.maxClients / 2 else { return }
        let newest = buckets.sorted { $0.value.updated > $1.value.updated }.prefix(Self.maxClients / 2)
        buckets = Dictionary(uniqueKeysWithValues: newest.map { ($0.key, $0.value) })
    }

    /// How long until `client` may be admitted again, without taking anything: nil when now.
    func waitTime(_ client: String) -> Duration? {
        guard rate > 0 else { return nil }
        let now = clock.now
        return buckets.withLock { buckets in
            guard let stored = buckets[client] else { return nil }
            let bucket = refilled(stored, at: now)
            return bucket.tokens >= 1 ? nil : wait(for: bucket)
        }
    }

    private func wait(for bucket: Bucket) -> Duration {
        .milliseconds(Int(((1 - bucket.tokens) / rate * 1000).rounded(.up)))
    }

    private func refilled(_ bucket: Bucket, at now: C.Instant) -> Bucket {
        let elapsed = bucket.updated.duration(to: now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return Bucket(tokens: min(burst, bucket.tokens + max(0, seconds) * rate), updated: now)
    }
}

/// How many jobs wait in `OCR_JOBS`, read at most every `maxAge` (a submission should not
/// cost a stream-info request).
final class BacklogGauge: Sendable {
    private let read: @Sendable () async throws -> UInt64
    private let clock: FleetClock
    private let reading = Mutex<(count: UInt64, at: FleetClock.Instant)?>(nil)
    static let maxAge = Duration.milliseconds(200)

    convenience init(connection: NATSConnection, clock: FleetClock) {
        let stored = StoredMessages(connection: connection, stream: StreamNames.jobs)
        self.init(clock: clock) { try await stored.bounds().count }
    }

    /// `read` asks the stream; the gauge decides when to.
    init(clock: FleetClock, read: @escaping @Sendable () async throws -> UInt64) {
        self.read = read
        self.clock = clock
    }

    func count() async throws -> UInt64 {
        let now = clock.now
        if let last = reading.withLock({ $0 }), now - last.at < Self.maxAge { return last.count }
        let count = try await read()
        reading.withLock { $0 = (count, now) }
        return count
    }
}
