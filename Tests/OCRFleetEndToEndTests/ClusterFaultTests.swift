import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import Testing
import VLLMDouble

/// A three-node JetStream cluster with three-replica streams loses a member mid-run.
@Suite(.serialized) struct ClusterFaultTests {
    @Test func losingAClusterMemberLosesNoJob() async throws {
        let cluster = try await NATSCluster.start()
        defer { cluster.shutdown() }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let nats = try await NATSConnection.connect(
            .init(urls: cluster.nodes.map(\.url), name: "cluster-test", connectTimeout: .seconds(10)),
            logger: logger
        )
        // The cluster elects its JetStream leader after the servers are up.
        let topology = FleetTopology(replicas: 3, maxDeliver: 10, ackWait: .seconds(5))
        try await FleetTopology.untilReady(logger: logger) { try await topology.ensureAll(on: nats) }
        let states = try await JobStateStore(connection: nats)

        var behaviour = VLLMDouble.Behaviour()
        behaviour.recognizeText = false
        behaviour.latency = .milliseconds(500)
        try await withVLLMDouble(behaviour) { vllm in
            let port = try await FreePort.find()
            let store = NSTemporaryDirectory() + "ocrfleet-cluster-store-\(UUID().uuidString.prefix(8))"
            defer { try? FileManager.default.removeItem(atPath: store) }
            let common = ["OCR_NATS_URL": cluster.urls, "OCR_STREAM_REPLICAS": "3", "OCR_LOG_LEVEL": "error"]
            let gatewayLog = store + ".gateway.log"
            _ = FileManager.default.createFile(atPath: gatewayLog, contents: nil)
            defer { try? FileManager.default.removeItem(atPath: gatewayLog) }
            let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: gatewayLog))
            let gateway = try BuiltExecutable.run(
                "ocr-gateway",
                [],
                environment: common.merging([
                    "OCR_HTTP_PORT": "\(port)", "OCR_STORE_DIR": store,
                    // Its start-up steps in the log, should it ever not get ready.
                    "OCR_LOG_LEVEL": "debug",
                ]) { $1 },
                stdout: logHandle,
                stderr: logHandle
            )
            defer { gateway.terminate() }
            let workerEnvironment = common.merging([
                "OCR_VLLM_URL": vllm.baseURL, "OCR_ENGINE": "deepseek", "OCR_MAX_DELIVER": "10", "OCR_ACK_WAIT_S": "5",
                // One job at a time per worker, so the run lasts long enough to lose a member mid-way.
                "OCR_MAX_JOBS": "1",
            ]) { $1 }
            let workers = try (0..<2).map { _ in try BuiltExecutable.run("ocr-worker", [], environment: workerEnvironment) }
            defer { for worker in workers { worker.terminate() } }

            let base = "http://127.0.0.1:\(port)"
            let gatewayUp = ContinuousClock.now + .seconds(90)
            while (try? await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/readyz"), timeout: .seconds(2)))?.status.code != 200 {
                guard ContinuousClock.now < gatewayUp else {
                    let log = (try? String(contentsOfFile: gatewayLog, encoding: .utf8)) ?? ""
                    throw TestEnvironmentError(
                        "the gateway did not get ready (process "
                            + (gateway.isRunning
                                ? "running"
                                : "exited: \(gateway.terminationReason == .uncaughtSignal ? "signal" : "status") \(gateway.terminationStatus)")
                            + "):\n\(log)"
                    )
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            let document = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("report-3p.pdf"))))
            let ids = (0..<60).map { "cluster-\($0)" }
            let submitted = ContinuousClock.now
            for id in ids {
                var request = HTTPClientRequest(url: "\(base)/v1/jobs?job_id=\(id)&mode=ocr")
                request.method = .POST
                request.body = .bytes(ByteBuffer(bytes: document))
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                #expect(response.status.code == 202)
            }

            func completedCount() async throws -> Int {
                var count = 0
                for id in ids where try await states.get(id)?.state == .completed { count += 1 }
                return count
            }
            let deadline = ContinuousClock.now + .seconds(240)
            while try await completedCount() < 15, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
            let beforeKill = try await completedCount()
            #expect(beforeKill < ids.count, "the member is lost mid-run")
            cluster.kill(0)
            let killed = ContinuousClock.now
            var recovery: Duration?
            var completed = beforeKill
            while completed < ids.count, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                if let count = try? await completedCount() {
                    if recovery == nil, count > completed { recovery = ContinuousClock.now - killed }
                    completed = count
                }
            }
            let finished = ContinuousClock.now
            func rate(_ jobs: Int, _ span: Duration) -> String {
                String(
                    format: "%.1f jobs/s",
                    Double(jobs) / max(Double(span.components.seconds) + Double(span.components.attoseconds) * 1e-18, 0.001)
                )
            }
            // Right after losing a member a stream may still be electing its leader.
            var stored: UInt64?
            for _ in 0..<20 where stored == nil {
                stored = try? await StoredMessages(connection: nats, stream: StreamNames.deadLetters).bounds().count
                if stored == nil { try await Task.sleep(for: .milliseconds(500)) }
            }
            let deadLetters = try #require(stored, "OCR_DLQ answers again")
            print(
                "cluster fault test: \(ids.count) jobs sent, \(completed) completed (\(beforeKill) before the kill), "
                    + "\(deadLetters) dead-lettered, \(ids.count - completed - Int(deadLetters)) lost; "
                    + "first completion after the node kill: \(recovery.map { "\($0)" } ?? "none"); "
                    + "\(rate(beforeKill, killed - submitted)) before the kill, \(rate(completed - beforeKill, finished - killed)) after"
            )
            #expect(completed == ids.count && deadLetters == 0)
        }
        try await nats.drain()
    }
}
