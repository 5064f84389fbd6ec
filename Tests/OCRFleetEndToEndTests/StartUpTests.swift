import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCRFleetTesting
import Testing

/// Processes started before their streams can exist wait for them instead of exiting, so a
/// fleet can come up in any order while a cluster elects its leaders.
@Suite struct StartUpTests {
    @Test func theGatewayAnswersNotReadyUntilItsStreamsExist() async throws {
        try await withNATSServer { server in
            let port = try await FreePort.find()
            let store = NSTemporaryDirectory() + "ocrfleet-startup-\(UUID().uuidString.prefix(8))"
            defer { try? FileManager.default.removeItem(atPath: store) }
            // Three replicas cannot be placed on one server: the streams never come up.
            let unplaceable = ["OCR_NATS_URL": server.url, "OCR_STREAM_REPLICAS": "3", "OCR_LOG_LEVEL": "critical"]
            let gateway = try BuiltExecutable.run(
                "ocr-gateway",
                [],
                environment: unplaceable.merging(["OCR_HTTP_PORT": "\(port)", "OCR_STORE_DIR": store]) { $1 }
            )
            defer { gateway.terminate() }
            // The worker says when it is waiting: a signal before then would meet a process
            // still starting (re-executing itself), not the worker.
            let workerLog = Pipe()
            let worker = try BuiltExecutable.run(
                "ocr-worker",
                [],
                environment: unplaceable.merging(["OCR_LOG_LEVEL": "warning"]) { $1 },
                stderr: workerLog.fileHandleForWriting
            )
            defer { worker.terminate() }
            try workerLog.fileHandleForWriting.close()
            let workerLines = BuiltExecutable.lines(workerLog.fileHandleForReading)

            let base = "http://127.0.0.1:\(port)"
            let up = ContinuousClock.now + .seconds(30)
            while (try? await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/healthz"), timeout: .seconds(2)))?
                .status.code != 200
            {
                guard gateway.isRunning, ContinuousClock.now < up else {
                    Issue.record("the gateway never answered /healthz")
                    return
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            let readiness = try await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/readyz"), timeout: .seconds(5))
            #expect(readiness.status.code == 503)
            #expect(String(buffer: try await readiness.body.collect(upTo: 1024)).contains("streams not ready"))

            var submission = HTTPClientRequest(url: base + "/v1/jobs")
            submission.method = .POST
            submission.body = .bytes(ByteBuffer(string: "%PDF-1.4"))
            let refused = try await HTTPClient.shared.execute(submission, timeout: .seconds(10))
            #expect(refused.status.code == 503)
            #expect(String(buffer: try await refused.body.collect(upTo: 4096)).contains("\"unavailable\""))
            #expect(gateway.isRunning && worker.isRunning, "both wait for the streams instead of exiting")

            // A stop while waiting is an ordinary stop.
            for await line in workerLines where line.contains("the job streams are not ready") { break }
            worker.terminate()
            gateway.terminate()
            try await BuiltExecutable.waitForExit(worker)
            try await BuiltExecutable.waitForExit(gateway)
            #expect(worker.terminationReason == .exit && worker.terminationStatus == 0)
            #expect(gateway.terminationReason == .exit && gateway.terminationStatus == 0)
        }
    }
}
