/// The clock everything that decides by elapsed time reads and sleeps on: rate limits,
/// back-offs, time limits, heartbeats. It is `ContinuousClock` in production; tests wrap a
/// clock they move by hand, so they advance time instead of waiting for it.
///
/// Any clock counting in `Duration` can be wrapped. Instants count from the moment of
/// wrapping, so instants of two `FleetClock`s are comparable only if one is a copy of the other.
public struct FleetClock: Clock, Sendable {
    public struct Instant: InstantProtocol, Sendable {
        /// Time since the wrapped clock's reading at wrapping.
        public var offset: Duration

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }

        // The arithmetic `ContinuousClock.Instant` has, which `InstantProtocol` does not give.
        public static func + (lhs: Instant, rhs: Duration) -> Instant { lhs.advanced(by: rhs) }
        public static func - (lhs: Instant, rhs: Duration) -> Instant { lhs.advanced(by: .zero - rhs) }
        public static func - (lhs: Instant, rhs: Instant) -> Duration { rhs.duration(to: lhs) }
    }

    private let reading: @Sendable () -> Duration
    private let sleeping: @Sendable (Duration, Duration?) async throws -> Void
    public let minimumResolution: Duration

    public init<Wrapped: Clock>(_ clock: Wrapped) where Wrapped.Duration == Duration {
        let origin = clock.now
        reading = { origin.duration(to: clock.now) }
        sleeping = { offset, tolerance in try await clock.sleep(until: origin.advanced(by: offset), tolerance: tolerance) }
        minimumResolution = clock.minimumResolution
    }

    /// The production clock: monotonic, and it keeps counting while the machine sleeps.
    public static let continuous = FleetClock(ContinuousClock())

    public var now: Instant { Instant(offset: reading()) }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await sleeping(deadline.offset, tolerance)
    }
}
