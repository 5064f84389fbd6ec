import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCRFleetAPI
import OCRFleetModel
import OCRFleetTesting
import Testing

/// The built `ocr-worker`'s probe port, as Kubernetes and Prometheus see it.
@Suite(.serialized) struct WorkerProbeTests {
    static func get(_ url: String) async throws -> (status: Int, body: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 8 << 20)))
    }

    /// The value of the sample `series` (its whole name with labels), or nil when absent.
    static func sample(_ series: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    /// The built worker on `fleet`'s NATS with its probes on a free loopback port, and their base URL.
    static func probedWorker(_ fleet: TestFleet, _ environment: [String: String]) async throws -> (Process, String) {
        let port = try await FreePort.find()
        let worker = try BuiltExecutable.run(
            "ocr-worker",
            [],
            environment: environment.merging([
                "OCR_NATS_URL": fleet.server.url, "OCR_PROBE_PORT": "\(port)", "OCR_PROBE_HOST": "127.0.0.1",
            ]) { $1 }
        )
        return (worker, "http://127.0.0.1:\(port)")
    }

    @Test func probesAndMetricsFollowTheWorker() async throws {
        try await withFleet(runWorker: false) { fleet in
            let (worker, base) = try await Self.probedWorker(fleet, ["OCR_WORKER_NAME": "probed", "OCR_LOG_LEVEL": "warning"])
            defer { worker.terminate() }
            let deadline = ContinuousClock.now + .seconds(60)
            while (try? await Self.get(base + "/readyz"))?.status != 200 {
                #expect(worker.isRunning)
                guard ContinuousClock.now < deadline, worker.isRunning else { throw TestEnvironmentError("worker never ready") }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try await Self.get(base + "/healthz").status == 200)

            try await fleet.submit(file: Fixtures.path("report-3p.pdf"), jobID: "probed-pdf", options: .init(mode: .ocr))
            try await fleet.submit(file: Fixtures.path("not-a-document.txt"), jobID: "probed-bad")
            #expect(try await fleet.waitForTerminalState("probed-pdf").state == .completed)
            #expect(try await fleet.waitForTerminalState("probed-bad").state == .failed)

            let (status, metrics) = try await Self.get(base + "/metrics")
            #expect(status == 200)
            #expect(Self.sample(#"ocrfleet_worker_jobs_total{state="completed",code=""}"#, in: metrics) == 1)
            #expect(Self.sample(#"ocrfleet_worker_jobs_total{state="failed",code="unsupported_format"}"#, in: metrics) == 1)
            #expect(Self.sample(#"ocrfleet_worker_pages_total{engine="tesseract",mode="ocr"}"#, in: metrics) == 3)
            #expect(Self.sample(#"ocrfleet_engine_requests_total{engine="tesseract",status="ok"}"#, in: metrics) == 3)
            #expect(Self.sample(#"ocrfleet_worker_stage_duration_seconds_count{stage="recognize"}"#, in: metrics) == 1)
            let size = try FileManager.default.attributesOfItem(atPath: Fixtures.path("report-3p.pdf"))[.size] as? Int ?? 0
            let notDocument = try FileManager.default.attributesOfItem(atPath: Fixtures.path("not-a-document.txt"))[.size] as? Int ?? 0
            #expect(Self.sample("ocrfleet_worker_download_bytes_total", in: metrics) == Double(size + notDocument))
            #expect(Self.sample("ocrfleet_worker_jobs_in_flight", in: metrics) == 0)
            #expect(metrics.contains("# TYPE ocrfleet_worker_job_duration_seconds histogram"))

            // Stopping: not ready any more, then gone.
            worker.terminate()
            try await BuiltExecutable.waitForExit(worker)
            #expect(worker.terminationStatus == 0)
        }
    }

    /// Two vLLM servers configured, one answering: the metrics say one of two is healthy (what
    /// the `OCRFleetModelServersDown` alert reads).
    @Test func metricsCountTheHealthyModelServers() async throws {
        try await withFleet(runWorker: false) { fleet in
            try await withVLLMDouble { vllm in
                let silent = try await FreePort.find()
                let (worker, base) = try await Self.probedWorker(
                    fleet,
                    ["OCR_VLLM_URL": "\(vllm.baseURL),http://127.0.0.1:\(silent)/v1", "OCR_LOG_LEVEL": "error"]
                )
                defer { worker.terminate() }
                let deadline = ContinuousClock.now + .seconds(60)
                var metrics = ""
                while Self.sample(#"ocrfleet_model_servers_healthy{engine="deepseek"}"#, in: metrics) != 1 {
                    guard ContinuousClock.now < deadline, worker.isRunning else {
                        throw TestEnvironmentError("the worker never reported a healthy server:\n\(metrics)")
                    }
                    try await Task.sleep(for: .milliseconds(100))
                    metrics = (try? await Self.get(base + "/metrics"))?.body ?? ""
                }
                #expect(Self.sample(#"ocrfleet_model_servers{engine="deepseek"}"#, in: metrics) == 2)
            }
        }
    }
}

/// What the worker writes to its log when a collector, not a person, reads it.
@Suite(.serialized) struct WorkerLogTests {
    @Test func logsAreJSONLinesWithTheJobOnEachAndNoSignatures() async throws {
        try await withFleet(runWorker: false) { fleet in
            let log = Pipe()
            let worker = try BuiltExecutable.run(
                "ocr-worker",
                [],
                environment: ["OCR_NATS_URL": fleet.server.url, "OCR_LOG_LEVEL": "info", "OCR_WORKER_NAME": "logged"],
                stderr: log.fileHandleForWriting
            )
            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "logged-job")
            #expect(try await fleet.waitForTerminalState("logged-job").state == .completed)
            worker.terminate()
            let text = try await BuiltExecutable.readAll(log, until: worker)

            let lines = text.split(separator: "\n")
            #expect(lines.count >= 4)
            var jobLines = 0
            for line in lines {
                let object = try #require(
                    try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String],
                    "not a JSON line: \(line)"
                )
                #expect(object["time"] != nil && object["level"] != nil && object["message"] != nil)
                if object["job_id"] == "logged-job" {
                    jobLines += 1
                    #expect(object["attempt"] == "1", "\(line)")
                }
                #expect(!line.contains("signature="), "a presigned URL's query in the log: \(line)")
            }
            #expect(jobLines >= 2, "\(text)")
        }
    }

    /// poppler's hundreds of `Syntax Error` lines about a damaged PDF become one log line of
    /// the job's, whether the child reads the document or the worker itself does.
    @Test(arguments: ["process", "off"])
    func aDamagedPDFsNativeMessagesAreOneLineOfTheJob(isolation: String) async throws {
        let path = NSTemporaryDirectory() + "ocrfleet-damaged-\(UUID().uuidString.prefix(8)).pdf"
        try Fixtures.damagedPDF(operators: 300).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await withFleet(runWorker: false) { fleet in
            let log = Pipe()
            let worker = try BuiltExecutable.run(
                "ocr-worker",
                [],
                environment: [
                    "OCR_NATS_URL": fleet.server.url, "OCR_LOG_LEVEL": "info", "OCR_DOCUMENT_ISOLATION": isolation,
                ],
                stderr: log.fileHandleForWriting
            )
            try await fleet.submit(file: path, jobID: "damaged-\(isolation)")
            #expect(try await fleet.waitForTerminalState("damaged-\(isolation)").state == .completed)
            worker.terminate()
            let text = try await BuiltExecutable.readAll(log, until: worker)

            var summaries: [[String: String]] = []
            for line in text.split(separator: "\n") {
                let object = try #require(
                    try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String],
                    "not a JSON line (raw stderr?): \(line)"
                )
                if object["message"] == "native libraries' messages about the document" { summaries.append(object) }
            }
            #expect(summaries.count == 1, "\(text)")
            let summary = try #require(summaries.first)
            #expect(summary["job_id"] == "damaged-\(isolation)" && summary["attempt"] == "1")
            #expect(summary["level"] == "warning")
            #expect(Int(summary["native_messages"] ?? "") ?? 0 >= 300, "\(summary)")
            #expect(summary["native_counts"]?.contains("poppler.syntax_error=") == true, "\(summary)")
            #expect(summary["native_first"]?.contains("Unknown operator") == true, "\(summary)")
        }
    }
}
