import OCRFleetModel
import Synchronization
import Testing

@testable import OCRFleetGateway

/// A clock that moves only when the test moves it.
final class ManualClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let current = Mutex(Instant(offset: .zero))
    var now: Instant { current.withLock { $0 } }
    var minimumResolution: Duration { .nanoseconds(1) }
    func advance(by duration: Duration) { current.withLock { $0 = $0.advanced(by: duration) } }
    func sleep(until deadline: Instant, tolerance: Duration?) async throws {}
}

@Suite struct RateLimiterTests {
    @Test func aBucketRefillsAtItsRate() {
        let clock = ManualClock()
        let limiter = RateLimiter(rate: 2, burst: 3, clock: clock)
        #expect((0..<3).map { _ in limiter.admit("a") } == [nil, nil, nil])
        #expect(limiter.admit("a") == .milliseconds(500))
        #expect(limiter.admit("b") == nil, "each client has its own bucket")
        clock.advance(by: .milliseconds(499))
        #expect(limiter.waitTime("a") == .milliseconds(1))
        clock.advance(by: .milliseconds(1))
        #expect(limiter.waitTime("a") == nil)
        #expect(limiter.admit("a") == nil)
        #expect(limiter.admit("a") != nil)
        // A long pause fills the bucket to its burst, no further.
        clock.advance(by: .seconds(3600))
        #expect((0..<4).map { _ in limiter.admit("a") == nil } == [true, true, true, false])
    }

    @Test func aZeroRateLimitsNothing() {
        let limiter = RateLimiter(rate: 0, burst: 1, clock: ManualClock())
        #expect((0..<100).allSatisfy { _ in limiter.admit("a") == nil })
    }
}

@Suite struct CallerTests {
    @Test func aTenantsIdsLiveInItsOwnNamespace() {
        let alpha = Caller(tenant: "alpha")
        #expect(alpha.busID("inv-1") == "alpha=inv-1")
        #expect(alpha.clientID(ofBusID: "alpha=inv-1") == "inv-1")
        #expect(alpha.clientID(ofBusID: "beta=inv-1") == nil)
        #expect(alpha.clientID(ofBusID: "alphabet=inv-1") == nil)
        #expect(alpha.clientID(ofBusID: "inv-1") == nil)
        #expect(alpha.storeKey("sources/inv-1/source") == "tenants/alpha/sources/inv-1/source")
        #expect(alpha.isValidJobID(String(repeating: "x", count: alpha.maxJobIDLength)))
        #expect(!alpha.isValidJobID(String(repeating: "x", count: alpha.maxJobIDLength + 1)))
        #expect(!alpha.isValidJobID("a.b") && !alpha.isValidJobID(""))
        // Without tokens the bus's ids are the caller's.
        let anyone = Caller(tenant: nil)
        #expect(anyone.busID("x") == "x" && anyone.clientID(ofBusID: "alpha=x") == "alpha=x")
        #expect(anyone.maxJobIDLength == JobRequest.maxJobIDLength)
    }

    @Test func tenantNamesCannotReachIntoAnotherNamespace() {
        #expect(Caller.isValidTenant("team-7_a"))
        for name in ["", "a=b", "a.b", "a b", "a/b", String(repeating: "t", count: 41), "é"] {
            #expect(!Caller.isValidTenant(name), "\(name)")
        }
    }
}

@Suite struct ClientAddressTests {
    @Test func anIPv6HostCountsAsItsWholeSlash64() {
        let one = Authentication.throttleKey("2001:db8:1:2::1")
        #expect(one == Authentication.throttleKey("2001:db8:1:2:ffff:ffff:ffff:ffff"))
        #expect(one != Authentication.throttleKey("2001:db8:1:3::1"))
        #expect(Authentication.throttleKey("192.0.2.1") == "192.0.2.1")
    }
}

@Suite struct TokenTableTests {
    @Test func aTokenFindsItsTenantAndNothingElseDoes() {
        let table = TokenTable(["tokA": "alpha", "tokB": "beta"])
        #expect(table.tenant(of: "tokA") == "alpha" && table.tenant(of: "tokB") == "beta")
        for guess in ["", "tok", "tokA ", "tokAA", "TOKA", "alpha"] { #expect(table.tenant(of: Substring(guess)) == nil) }
        #expect(TokenTable([:]).isEmpty)
    }
}
