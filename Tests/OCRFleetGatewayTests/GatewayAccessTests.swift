import HTTPTypes
import Hummingbird
import OCRFleetModel
import OCRFleetTesting
import Synchronization
import Testing

@testable import OCRFleetGateway

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

/// What a client sees of the token rate limit and the throttle on failed authentication,
/// time moved by hand: refusals name the wait, and the wait is exactly enough.
@Suite struct AuthenticationThrottleTests {
    let clock = ManualClock()

    func authentication(rate: Double = 2, burst: Int = 2, failureRate: Double = 0.1, failureBurst: Int = 3) -> Authentication {
        Authentication(
            tokens: TokenTable(["tokA": "alpha"]),
            requests: RateLimiter(rate: rate, burst: burst, clock: FleetClock(clock)),
            failures: RateLimiter(rate: failureRate, burst: failureBurst, clock: FleetClock(clock)),
            forwardedHops: 0
        )
    }

    /// The answer to one request with `token` from `address`: the tenant, or the error's code and wait.
    func answer(_ authentication: Authentication, token: String, from address: String = "192.0.2.1") -> String {
        let head = HTTPRequest(
            method: .get,
            scheme: "http",
            authority: "gateway",
            path: "/v1/jobs",
            headerFields: [.authorization: "Bearer \(token)"]
        )
        do throws(APIError) {
            return try authentication.caller(of: Request(head: head, body: RequestBody(buffer: ByteBuffer())), address: address).tenant ?? "-"
        } catch {
            return "\(error.status.code) \(error.code)" + (error.retryAfter.map { " \($0.milliseconds) ms" } ?? "")
        }
    }

    @Test func aThrottledAddressWaitsTheTimeItIsToldAndNoLess() {
        let gate = authentication()
        #expect(["a", "b", "c"].map { answer(gate, token: $0) } == Array(repeating: "401 unauthorized", count: 3))
        // At 0.1 failures a second, the next failure is forgiven in ten seconds; even the right token waits.
        #expect(answer(gate, token: "d") == "429 auth_throttled 10000 ms")
        #expect(answer(gate, token: "tokA") == "429 auth_throttled 10000 ms")
        #expect(answer(gate, token: "tokA", from: "192.0.2.2") == "alpha", "other addresses are not held back")
        clock.advance(by: .milliseconds(9_999))
        #expect(answer(gate, token: "tokA").hasPrefix("429 auth_throttled"))
        clock.advance(by: .milliseconds(1))
        #expect(answer(gate, token: "tokA") == "alpha")
        // The one failure forgiven is spent by the next wrong guess.
        #expect(answer(gate, token: "e") == "401 unauthorized")
        #expect(answer(gate, token: "tokA") == "429 auth_throttled 10000 ms")
    }

    @Test func aTokenPastItsRateIsToldWhenToComeBack() {
        let gate = authentication(rate: 2, burst: 2)
        #expect([answer(gate, token: "tokA"), answer(gate, token: "tokA")] == ["alpha", "alpha"])
        #expect(answer(gate, token: "tokA") == "429 rate_limited 500 ms")
        clock.advance(by: .milliseconds(499))
        #expect(answer(gate, token: "tokA") == "429 rate_limited 1 ms")
        clock.advance(by: .milliseconds(1))
        #expect(answer(gate, token: "tokA") == "alpha")
        // A refused request takes nothing from the bucket: after a second, two pass again.
        clock.advance(by: .seconds(1))
        #expect([answer(gate, token: "tokA"), answer(gate, token: "tokA")] == ["alpha", "alpha"])
    }
}

@Suite struct BacklogGaugeTests {
    /// A stream whose count is how often it was asked.
    final class StreamReads: Sendable {
        private let reads = Mutex<UInt64>(0)

        func read() -> UInt64 {
            reads.withLock {
                $0 += 1
                return $0
            }
        }
    }

    /// The backlog check before each submission asks the stream at most every `maxAge`.
    @Test func theBacklogIsAskedForAtMostEveryMaxAge() async throws {
        let clock = ManualClock()
        let stream = StreamReads()
        let gauge = BacklogGauge(clock: FleetClock(clock)) { stream.read() }
        #expect(try await gauge.count() == 1)
        clock.advance(by: BacklogGauge.maxAge - .milliseconds(1))
        #expect(try await gauge.count() == 1, "a reading younger than maxAge is reused")
        clock.advance(by: .milliseconds(1))
        #expect(try await gauge.count() == 2)
        #expect(try await gauge.count() == 2)
    }
}

@Suite struct WebhookBackOffTests {
    /// JetStream holds a refused delivery for this long before the next attempt.
    @Test func eachRetryWaitsFourTimesLongerUpToTenMinutes() {
        let settings = WebhookSettings(secret: [1], attempts: 8, retryBase: .seconds(1))
        #expect((1...7).map { settings.delay(after: $0) } == [1, 4, 16, 64, 256, 600, 600].map { Duration.seconds($0) })
        let quick = WebhookSettings(secret: [1], retryBase: .milliseconds(100))
        #expect((1...3).map { quick.delay(after: $0) } == [100, 400, 1600].map { Duration.milliseconds($0) })
        #expect(quick.delay(after: 1000) == .seconds(600), "no overflow however many attempts")
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
