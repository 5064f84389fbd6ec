import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCRFleetModel
import OCRFleetTesting
import Testing

/// What a hostile client can throw at the gateway ends in a clear answer, with the gateway
/// alive and other clients served.
@Suite struct GatewayAbuseTests {
    @Test func guessingTokensIsThrottledPerAddress() async throws {
        let environment = [
            "OCR_API_TOKENS": "tokA:alpha", "OCR_AUTH_FAILURE_BURST": "3",
            // No failure is forgiven during the test, however slow the machine.
            "OCR_AUTH_FAILURE_RATE": "0.001",
        ]
        try await withFleet(gatewayEnvironment: environment, runWorker: false) { fleet in
            for guess in ["a", "b", "c"] {
                #expect(try await fleet.request("GET", "/v1/jobs", token: guess).status == 401)
            }
            let throttled = try await fleet.exchange("GET", "/v1/jobs", token: "d")
            #expect(throttled.status == 429 && throttled.body.contains(#""code":"auth_throttled""#), "\(throttled)")
            #expect(Int(throttled.headers["retry-after"] ?? "") ?? 0 > 0)
            // A right guess from the throttled address is not told apart from a wrong one.
            let right = try await fleet.exchange("GET", "/v1/jobs", token: "tokA")
            #expect(right.status == 429 && right.body == throttled.body)
            // Another address is not held back, and the gateway is well.
            #expect(try await Self.status(of: "\(fleet.gatewayURL)/v1/jobs", token: "tokA", from: "127.0.0.2") == 200)
            #expect(try await fleet.request("GET", "/healthz").status == 200)
        }
    }

    @Test func behindAProxyFailuresCountAgainstTheForwardedAddress() async throws {
        let environment = [
            "OCR_API_TOKENS": "tokA:alpha", "OCR_AUTH_FAILURE_BURST": "2", "OCR_AUTH_FAILURE_RATE": "0.001",
            "OCR_FORWARDED_HOPS": "1",
        ]
        try await withFleet(gatewayEnvironment: environment, runWorker: false) { fleet in
            // The proxy appends the address it heard from; what the client itself wrote before it is not trusted.
            let guesser = ["X-Forwarded-For": "198.51.100.1, 203.0.113.7"]
            var statuses: [Int] = []
            for (token, forwarded) in [
                ("x", guesser), ("x", guesser), ("tokA", guesser),
                ("tokA", ["X-Forwarded-For": "203.0.113.7, 203.0.113.8"]), ("tokA", ["X-Forwarded-For": "203.0.113.9"]),
            ] {
                statuses.append(try await fleet.request("GET", "/v1/jobs", token: token, headers: forwarded).status)
            }
            #expect(statuses == [401, 401, 429, 200, 200])
        }
    }

    /// Whether a refused callback host exists is not told: an internal address and a name that
    /// does not resolve get the same answer.
    @Test func aRefusedCallbackSaysNothingOfWhetherItsHostExists() async throws {
        try await withFleet(gatewayEnvironment: ["OCR_WEBHOOK_SECRET": "s"], runWorker: false) { fleet in
            var bodies: [String] = []
            for callback in ["http://10.0.0.1/hook", "http://no-such-host.invalid/hook"] {
                let (status, body) = try await fleet.request(
                    "POST",
                    "/v1/jobs?job_id=cb&callback_url=\(callback)",
                    body: Array("%PDF-1.4".utf8),
                    contentType: "application/pdf"
                )
                #expect(status == 400, "\(callback): \(body)")
                bodies.append(body)
            }
            #expect(bodies[0] == bodies[1] && bodies[0].contains("callback_url is refused"))
        }
    }

    @Test func aMultipartBodyWithAHundredThousandFieldsIsRefused() async throws {
        try await withFleet(runWorker: false) { fleet in
            let boundary = "b0undary"
            var body = ""
            body.reserveCapacity(9_000_000)
            for index in 0..<100_000 {
                body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"f\(index)\"\r\n\r\nx\r\n"
            }
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\nPNG\r\n--\(boundary)--\r\n"
            let refused = try await fleet.request(
                "POST",
                "/v1/jobs?job_id=fields",
                body: Array(body.utf8),
                contentType: "multipart/form-data; boundary=\(boundary)"
            )
            #expect(refused.status == 400 && refused.body.contains("over 32 parts"), "\(refused.status) \(refused.body.prefix(300))")

            let header = String(repeating: "h", count: 100_000)
            let longHeader =
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(header)\"\r\n\r\nPNG\r\n--\(boundary)--\r\n"
            let refusedHeader = try await fleet.request(
                "POST",
                "/v1/jobs?job_id=header",
                body: Array(longHeader.utf8),
                contentType: "multipart/form-data; boundary=\(boundary)"
            )
            #expect(refusedHeader.status == 400 && refusedHeader.body.contains("header"), "\(refusedHeader)")

            // Other submissions go on.
            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "after")
            #expect(try await fleet.request("GET", "/v1/jobs/fields").status == 404)
        }
    }

    @Test func aTenantHoldsAtMostItsEventStreams() async throws {
        let environment = [
            "OCR_API_TOKENS": "tokA:alpha,tokB:beta", "OCR_MAX_EVENT_STREAMS": "1", "OCR_SSE_KEEPALIVE_S": "1",
        ]
        try await withFleet(gatewayEnvironment: environment, runWorker: false) { fleet in
            for token in ["tokA", "tokB"] {
                try await fleet.upload("invoice.png", as: "watched", token: token, expecting: 202)
            }
            let first = try await EventStreamClient.open(fleet, "watched", token: "tokA")
            #expect(first.status == 200)
            let second = try await fleet.exchange("GET", "/v1/jobs/watched/events", token: "tokA")
            #expect(second.status == 429 && second.body.contains(#""code":"too_many_streams""#), "\(second)")
            let other = try await EventStreamClient.open(fleet, "watched", token: "tokB")
            #expect(other.status == 200)
            other.close()

            // A closed stream gives its slot back (the next keep-alive finds it gone).
            first.close()
            var reopened = 429
            for _ in 0..<100 where reopened == 429 {
                let next = try await EventStreamClient.open(fleet, "watched", token: "tokA")
                reopened = next.status
                next.close()
                if reopened == 429 { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(reopened == 200)
        }
    }

    /// The status `curl` gets for `url` when it connects from `address` (another loopback address).
    static func status(of url: String, token: String, from address: String) async throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = [
            "-s", "-o", "/dev/null", "-w", "%{http_code}", "--interface", address, "-H", "Authorization: Bearer \(token)", url,
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        return Int(try await BuiltExecutable.readAll(output, until: process)) ?? 0
    }
}

/// An event stream held open until `close`.
struct EventStreamClient {
    let status: Int
    let reader: Task<Void, any Error>

    static func open(_ fleet: TestFleet, _ jobID: String, token: String) async throws -> EventStreamClient {
        var request = HTTPClientRequest(url: "\(fleet.gatewayURL)/v1/jobs/\(jobID)/events")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let (statuses, post) = AsyncStream.makeStream(of: Int.self)
        let reader = Task {
            defer { post.finish() }
            let response = try await fleet.http.execute(request, timeout: .seconds(600))
            post.yield(Int(response.status.code))
            for try await _ in response.body {}
        }
        var iterator = statuses.makeAsyncIterator()
        guard let status = await iterator.next() else { throw TestEnvironmentError("no answer to the event stream") }
        return EventStreamClient(status: status, reader: reader)
    }

    func close() { reader.cancel() }
}
