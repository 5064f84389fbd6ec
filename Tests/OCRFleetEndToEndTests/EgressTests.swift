import Foundation
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import Testing

/// The egress policy end to end: jobs published on `ocr.jobs` (as any NATS publisher may)
/// whose URLs point inside the fleet's network fail as `invalid_job`, and the hosts they
/// point at receive nothing; failures tell the submitter no address, port, status or banner.
@Suite(.serialized) struct EgressTests {
    static func publish(_ fleet: TestFleet, _ id: String, source: String, result: String, layout: String? = nil) async throws {
        let job = JobRequest(
            jobID: id,
            source: SourceDocument(url: source),
            result: ResultTarget(url: result, layoutURL: layout)
        )
        try await fleet.nats.publish(JobEvent.request(job, source: "urn:test:egress"))
    }

    /// Every way of naming a loopback listener, and a host on private networks of the test's own.
    static func internalURLs(_ target: ConnectionCounter, _ host: PrivateNetworkHost) -> [String] {
        let port = target.port
        let octets = host.addresses[0].split(separator: ".").compactMap { Int($0) }
        let asInteger = octets.reduce(0) { $0 << 8 | $1 }
        return [
            "http://127.0.0.1:\(port)/x", "http://localhost:\(port)/x", "http://LOCALHOST.:\(port)/x",
            "http://2130706433:\(port)/x", "http://0177.0.0.1:\(port)/x", "http://0x7f.1:\(port)/x", "http://127.1:\(port)/x",
            "http://0x7f000001:\(port)/x", "http://%31%32%37.0.0.1:\(port)/x", "http://0.0.0.0:\(port)/x", "http://0:\(port)/x",
            "https://127.0.0.1:\(port)/x", "http://[::1]:\(target.ipv6Port)/x", "http://[::ffff:127.0.0.1]:\(port)/x",
            "http://[::ffff:7f00:1]:\(port)/x", "http://[::127.0.0.1]:\(port)/x", "http://[64:ff9b::7f00:1]:\(port)/x",
            "http://[2002:7f00:1::]:\(port)/x",
        ] + host.addresses.map { "http://\($0):\(host.port)/x" } + [
            "http://\(asInteger):\(host.port)/x", "http://\(octets[0]).\(octets[1]).\(octets[2] << 8 | octets[3]):\(host.port)/x",
            "http://[::ffff:\(host.addresses[0])]:\(host.port)/x", "http://[::ffff:\(host.addresses[1])]:\(host.port)/x",
        ]
    }

    @Test func internalURLsAndRedirectsFailAsInvalidJobsAndReachNothing() async throws {
        let document = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("invoice.png"))))
        try await withConnectionCounter { target in
            try await withPrivateNetworkHost { host in
                try await withTestOrigin(document: document) { origin in
                    // The worker may reach exactly one internal host:port: the origin.
                    try await withFleet(workerEnvironment: ["OCR_EGRESS_ALLOW": "127.0.0.1:\(origin.port)"]) { fleet in
                        try await Self.runMatrix(fleet, target: target, host: host, origin: origin)
                    }
                }
            }
        }
    }

    static func runMatrix(
        _ fleet: TestFleet,
        target: ConnectionCounter,
        host: PrivateNetworkHost,
        origin: TestOrigin
    )
        async throws
    {
        let failures = try fleet.recordEvents("ocr.events.failed.>")
        try await fleet.nats.flush()
        let allowedSource = origin.baseURL + "/doc"
        let allowedResult = origin.baseURL + "/results/r"
        var jobs: [String: String] = [:]
        for (index, url) in internalURLs(target, host).enumerated() {
            jobs["source-\(index)"] = url
            try await publish(fleet, "source-\(index)", source: url, result: allowedResult)
            jobs["result-\(index)"] = url
            try await publish(fleet, "result-\(index)", source: allowedSource, result: url)
            jobs["layout-\(index)"] = url
            try await publish(fleet, "layout-\(index)", source: allowedSource, result: allowedResult, layout: url)
        }
        // An allowed origin that redirects inside, or to another scheme.
        let redirects = [
            "http://127.0.0.1:\(target.port)/x", "http://localhost:\(target.port)/x", "http://[::1]:\(target.ipv6Port)/x",
            "http://0x7f.1:\(target.port)/x", "http://\(host.addresses[0]):\(host.port)/x", "file:///etc/passwd",
            "http+unix://%2Ftmp%2Focrfleet-egress.sock/x", "ftp://127.0.0.1:\(target.port)/x",
            "gopher://127.0.0.1:\(target.port)/x", origin.redirect(to: "http://127.0.0.1:\(target.port)/two-hops"),
        ]
        for (index, location) in redirects.enumerated() {
            jobs["redirect-\(index)"] = location
            try await publish(fleet, "redirect-\(index)", source: origin.redirect(to: location), result: allowedResult)
        }

        var outcomes: [String: (ErrorCode, Bool)] = [:]
        for event in try await failures.events(count: jobs.count, timeout: .seconds(180)) {
            guard case .failed(let failed) = event.data.body else { continue }
            outcomes[event.data.header.jobID] = (failed.error.code, failed.willRetry)
        }
        for (id, url) in jobs.sorted(by: { $0.key < $1.key }) {
            #expect(outcomes[id]?.0 == .invalidJob && outcomes[id]?.1 == false, "\(id): \(url) → \(String(describing: outcomes[id]))")
        }
        #expect(target.connections == 0, "the loopback listener was reached")
        #expect(host.connections == 0, "the private network host was reached")
        // The origin saw the redirecting GETs (it was reachable) and nothing else: no job
        // downloaded a source or uploaded a result whose companion URL was refused.
        #expect(origin.requests.allSatisfy { $0.hasPrefix("GET /to") }, "\(origin.requests)")
        #expect(origin.requests.count == redirects.count + 1)

        // The same worker still completes a job whose URLs are all allowed.
        let completed = try fleet.recordEvents("ocr.events.completed.allowed")
        try await fleet.nats.flush()
        try await publish(fleet, "allowed", source: allowedSource, result: allowedResult)
        _ = try await completed.events(count: 1)
        #expect(origin.requests.contains("PUT /results/r"))
    }

    /// The job's KV state once the worker has recorded its end (just after its event).
    static func finalState(of id: String, in states: JobStateStore) async throws -> JobState? {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let state = try await states.get(id), state.state.isTerminal { return state }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    @Test func failedTransfersTellTheSubmitterNoAddressPortStatusOrBanner() async throws {
        let document = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("invoice.png"))))
        try await withTestOrigin(document: document) { origin in
            try await withFleet(workerEnvironment: ["OCR_MAX_DELIVER": "1"]) { fleet in
                let closed = try await FreePort.find()
                let cases = [
                    ("answers-500", origin.baseURL + "/broken", origin.baseURL + "/results/a", ErrorCode.sourceUnreachable),
                    ("closed-port", "http://127.0.0.1:\(closed)/doc", origin.baseURL + "/results/b", .sourceUnreachable),
                    ("upload-500", origin.baseURL + "/doc", origin.baseURL + "/broken/c", .resultUploadFailed),
                    ("upload-closed", origin.baseURL + "/doc", "http://127.0.0.1:\(closed)/results/d", .resultUploadFailed),
                ]
                let failures = try fleet.recordEvents("ocr.events.failed.>")
                try await fleet.nats.flush()
                for (id, source, result, _) in cases { try await Self.publish(fleet, id, source: source, result: result) }
                var failed: [String: ErrorBody] = [:]
                for event in try await failures.events(count: cases.count) {
                    if case .failed(let failure) = event.data.body { failed[event.data.header.jobID] = failure.error }
                }
                let states = try await JobStateStore(connection: fleet.nats)
                for (id, _, _, code) in cases {
                    let state = try await Self.finalState(of: id, in: states)
                    #expect(failed[id]?.code == code && state?.error == failed[id], "\(id): \(String(describing: failed[id]))")
                    let message = failed[id]?.message ?? ""
                    for secret in ["127.0.0.1", "\(origin.port)", "\(closed)", "500", "banner", TestOrigin.banner, "refused", "ECONNREFUSED"] {
                        #expect(!message.contains(secret), "\(id): '\(message)' tells '\(secret)'")
                    }
                    #expect(message.contains("could not be"), "\(id): '\(message)'")
                }
            }
        }
    }

    @Test func callbacksAreHeldToThePolicyAndTheirRedirectsAreNotFollowed() async throws {
        try await withConnectionCounter { target in
            try await withTestOrigin(document: []) { origin in
                let gateway = [
                    "OCR_WEBHOOK_SECRET": "egress-test", "OCR_WEBHOOK_RETRY_BASE_S": "0.2", "OCR_WEBHOOK_ATTEMPTS": "2",
                    "OCR_EGRESS_ALLOW": "127.0.0.1:\(origin.port)",
                ]
                try await withFleet(gatewayEnvironment: gateway) { fleet in
                    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("invoice.png"))))
                    func submit(_ id: String, callback: String) async throws -> Int {
                        let escaped = callback.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? callback
                        return try await fleet.request(
                            "POST",
                            "/v1/jobs?job_id=\(id)&callback_url=\(escaped)",
                            body: bytes,
                            contentType: "application/octet-stream"
                        ).status
                    }
                    for (index, callback) in [
                        "http://localhost:\(target.port)/hook", "http://127.1:\(target.port)/hook",
                        "http://[::1]:\(target.ipv6Port)/hook", "http://[::ffff:127.0.0.1]:\(target.port)/hook",
                        "http://169.254.169.254/hook", "http+unix://%2Ftmp%2Fhook.sock/hook",
                    ].enumerated() {
                        #expect(try await submit("refused-hook-\(index)", callback: callback) == 400, "\(callback)")
                    }
                    // Allowed at submission, but its answer is a redirect inside: not followed.
                    let redirecting = origin.redirect(to: "http://127.0.0.1:\(target.port)/hook")
                    #expect(try await submit("redirected-hook", callback: redirecting) == 202)
                    let deadline = ContinuousClock.now + .seconds(120)
                    while origin.requests.filter({ $0 == "POST /to" }).count < 2 {
                        guard ContinuousClock.now < deadline else { throw TestEnvironmentError("the webhook was not tried twice") }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    #expect(target.connections == 0, "a callback's redirect was followed")
                }
            }
        }
    }
}
