import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCRFleetTesting

/// `ocr-gateway` and `ocr-worker` as built, both tracing to a collector double and logging
/// JSON lines, on a fleet's NATS server. Processes of their own: a tracer is installed for a
/// whole process, and the fleet's gateway runs inside the test runner.
struct TracedProcesses {
    let gatewayURL: String
    let gateway: Process
    let worker: Process
    let gatewayLines: AsyncStream<String>
    let workerLines: AsyncStream<String>
    let store: String

    static func start(on fleet: TestFleet, collector: PostReceiver) async throws -> TracedProcesses {
        let port = try await FreePort.find()
        let store = NSTemporaryDirectory() + "ocrfleet-traced-\(UUID().uuidString.prefix(8))"
        let common = [
            "OCR_NATS_URL": fleet.server.url, "OCR_OTLP_ENDPOINT": collector.baseURL, "OCR_LOG_FORMAT": "json",
            "OCR_LOG_LEVEL": "info",
        ]
        let (gateway, gatewayLines) = try run(
            "ocr-gateway",
            common.merging(["OCR_HTTP_PORT": "\(port)", "OCR_STORE_DIR": store]) { $1 }
        )
        let (worker, workerLines) = try run("ocr-worker", common)
        let processes = TracedProcesses(
            gatewayURL: "http://127.0.0.1:\(port)",
            gateway: gateway,
            worker: worker,
            gatewayLines: gatewayLines,
            workerLines: workerLines,
            store: store
        )
        do {
            try await TestFleet.waitUntilReady(processes.gatewayURL, http: .shared)
        } catch {
            processes.terminate()
            throw error
        }
        return processes
    }

    /// The process, and its standard error's lines, read from the start so it never blocks on a full pipe.
    static func run(_ name: String, _ environment: [String: String]) throws -> (Process, AsyncStream<String>) {
        let pipe = Pipe()
        let process = try BuiltExecutable.run(name, [], environment: environment, stderr: pipe.fileHandleForWriting)
        try pipe.fileHandleForWriting.close()
        return (process, BuiltExecutable.lines(pipe.fileHandleForReading))
    }

    /// Uploads a fixture as job `jobID`, as a caller in the trace `traceparent` names.
    func submit(_ jobID: String, fixture: String, contentType: String, traceparent: String) async throws -> Int {
        var request = HTTPClientRequest(url: gatewayURL + "/v1/jobs?job_id=\(jobID)&mode=ocr")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        request.headers.add(name: "traceparent", value: traceparent)
        request.body = .bytes(ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(fixture)))))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    func terminate() {
        worker.terminate()
        gateway.terminate()
    }

    /// Stops both as a pod is stopped (SIGTERM: they drain and send the spans left) and
    /// returns the JSON objects each logged.
    func stop() async throws -> (gateway: [[String: String]], worker: [[String: String]]) {
        terminate()
        defer { try? FileManager.default.removeItem(atPath: store) }
        try await BuiltExecutable.waitForExit(worker)
        try await BuiltExecutable.waitForExit(gateway)
        return (await Self.objects(gatewayLines), await Self.objects(workerLines))
    }

    static func objects(_ lines: AsyncStream<String>) async -> [[String: String]] {
        var objects: [[String: String]] = []
        for await line in lines {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String] {
                objects.append(object)
            }
        }
        return objects
    }
}
