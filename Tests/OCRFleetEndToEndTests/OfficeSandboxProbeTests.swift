import AsyncHTTPClient
import Foundation
import OCRFleetTesting
import Testing

/// The built `ocr-worker` says how it runs LibreOffice in its start-up log and on `/readyz`.
@Suite(.serialized) struct OfficeSandboxProbeTests {
    @Test(arguments: [
        (nil, "sandboxed without network ("),
        ("off", "unsandboxed (OCR_OFFICE_SANDBOX=off): LibreOffice has the worker's network"),
    ])
    func theWorkerSaysHowItRunsLibreOffice(mode: String?, says: String) async throws {
        try await withFleet(runWorker: false) { fleet in
            let port = try await FreePort.find()
            let log = Pipe()
            var environment = [
                "OCR_NATS_URL": fleet.server.url, "OCR_PROBE_PORT": "\(port)", "OCR_PROBE_HOST": "127.0.0.1",
                "OCR_LOG_LEVEL": "info", "OCR_LOG_FORMAT": "json",
            ]
            environment["OCR_OFFICE_SANDBOX"] = mode
            let worker = try BuiltExecutable.run("ocr-worker", [], environment: environment, stderr: log.fileHandleForWriting)
            defer { worker.terminate() }
            let deadline = ContinuousClock.now + .seconds(60)
            var ready: (status: Int, body: String)?
            while ready?.status != 200 {
                guard ContinuousClock.now < deadline, worker.isRunning else { throw TestEnvironmentError("worker never ready") }
                ready = try? await WorkerProbeTests.get("http://127.0.0.1:\(port)/readyz")
                if ready?.status != 200 { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(ready?.body.hasPrefix("ready\noffice: " + says) == true, "\(ready?.body ?? "")")
            worker.terminate()
            let text = try await BuiltExecutable.readAll(log, until: worker)
            let lines = text.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
            }
            let started = try #require(lines.first { $0["message"] == "worker ready" }, "\(text)")
            #expect(started["office_sandbox"]?.hasPrefix(says) == true, "\(started)")
        }
    }
}
