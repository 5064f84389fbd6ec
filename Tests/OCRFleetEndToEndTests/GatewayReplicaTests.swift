import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCRFleetModel
import OCRFleetTesting
import Testing

/// Gateway replicas behind one load balancer behave as one; event streams stay open.
@Suite(.serialized) struct GatewayReplicaTests {
    @Test func aJobSubmittedToOneReplicaIsAnsweredByAnother() async throws {
        try await withFleet { fleet in
            try await fleet.withAnotherGateway { second in
                // Submitted to the first replica, read and cancelled through the second.
                try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "replicated")
                let state = try await fleet.waitForTerminalState("replicated")
                #expect(state.state == .completed)

                let http = HTTPClient.shared
                let status = try await http.execute(HTTPClientRequest(url: "\(second)/v1/jobs/replicated"), timeout: .seconds(30))
                let stateBody = String(buffer: try await status.body.collect(upTo: 1 << 20))
                #expect(status.status == .ok && stateBody.contains(#""state":"completed""#))

                let (_, first) = try await fleet.request("GET", "/v1/jobs/replicated/result")
                let result = try await http.execute(
                    HTTPClientRequest(url: "\(second)/v1/jobs/replicated/result"),
                    timeout: .seconds(30)
                )
                #expect(result.status == .ok)
                #expect(String(buffer: try await result.body.collect(upTo: 1 << 20)) == first)

                let events = try await http.execute(
                    HTTPClientRequest(url: "\(second)/v1/jobs/replicated/events"),
                    timeout: .seconds(30)
                )
                var text = ""
                for try await chunk in events.body { text += String(buffer: chunk) }
                #expect(text.contains("event: started") && text.hasSuffix("\n\n") && text.contains("event: completed"))

                let listing = try await http.execute(
                    HTTPClientRequest(url: "\(second)/v1/jobs?state=completed"),
                    timeout: .seconds(30)
                )
                #expect(String(buffer: try await listing.body.collect(upTo: 1 << 20)).contains("replicated"))

                var cancel = HTTPClientRequest(url: "\(second)/v1/jobs/replicated")
                cancel.method = .DELETE
                let cancelled = try await http.execute(cancel, timeout: .seconds(30))
                _ = try await cancelled.body.collect(upTo: 1 << 20)
                #expect(cancelled.status.code == 409, "a completed job cannot be cancelled, whichever replica is asked")
            }
        }
    }

    @Test func aQuietEventStreamGetsKeepAliveComments() async throws {
        try await withFleet(gatewayEnvironment: ["OCR_SSE_KEEPALIVE_S": "1"], runWorker: false) { fleet in
            let body = #"{"job_id": "waiting", "source": {"url": "http://127.0.0.1:9/a.pdf"}}"#
            let (status, _) = try await fleet.request("POST", "/v1/jobs", body: Array(body.utf8), contentType: "application/json")
            #expect(status == 202)
            // No worker: the job waits, and so does its stream.
            let response = try await fleet.http.execute(
                HTTPClientRequest(url: "\(fleet.gatewayURL)/v1/jobs/waiting/events"),
                timeout: .seconds(30)
            )
            var text = ""
            let started = ContinuousClock.now
            for try await chunk in response.body {
                text += String(buffer: chunk)
                if text.components(separatedBy: ": keep-alive\n\n").count > 2 { break }
                if ContinuousClock.now - started > .seconds(10) { break }
            }
            #expect(text.components(separatedBy: ": keep-alive\n\n").count > 2, "\(text)")
            #expect(!text.contains("event:"))
        }
    }
}
