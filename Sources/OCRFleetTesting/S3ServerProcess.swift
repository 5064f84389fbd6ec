import Foundation
import OCRFleetContent
import Synchronization

/// A real S3-protocol server for one test: moto's server (`pip install 'moto[server]'`,
/// which `scripts/install-deps.sh` does) on a free loopback port, with one bucket made.
/// Its storage lives in memory and goes with the process.
public final class S3ServerProcess: Sendable {
    public let port: Int
    public let bucket: S3Bucket
    private let process: Mutex<Process?>

    public var endpoint: String { "http://127.0.0.1:\(port)" }
    public var client: S3Client { S3Client(bucket: bucket) }

    /// Settings that point a gateway at `s3://<bucket>/<prefix>` on this server.
    public func gatewayEnvironment(prefix: String) -> [String: String] {
        [
            "OCR_STORE_URL": "s3://\(bucket.name)/\(prefix)", "OCR_S3_ENDPOINT": endpoint, "OCR_S3_REGION": bucket.region,
            "OCR_S3_ACCESS_KEY_ID": bucket.credentials.accessKeyID,
            "OCR_S3_SECRET_ACCESS_KEY": bucket.credentials.secretAccessKey,
        ]
    }

    private init(port: Int, bucket: S3Bucket, process: Process) {
        self.port = port
        self.bucket = bucket
        self.process = Mutex(process)
    }

    /// Starts the server on a port the kernel picks (read back from its log, so no other
    /// process can take the port in between) and makes the bucket.
    public static func start(bucket name: String = "ocrfleet-test") async throws -> S3ServerProcess {
        let log = NSTemporaryDirectory() + "ocrfleet-moto-\(UUID().uuidString.prefix(8)).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: log) }
        let running = Process()
        running.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        running.arguments = ["python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"]
        running.standardOutput = FileHandle(forWritingAtPath: log)
        running.standardError = FileHandle(forWritingAtPath: log)
        running.standardInput = FileHandle.nullDevice
        try running.run()
        // Only a failure waits this long: moto's imports take tens of seconds on a loaded machine.
        let deadline = ContinuousClock.now + .seconds(120)
        var server: S3ServerProcess?
        while ContinuousClock.now < deadline, running.isRunning {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if server == nil, let range = text.range(of: "Running on http://127.0.0.1:") {
                let port = Int(text[range.upperBound...].prefix { $0.isNumber }) ?? 0
                let bucket = S3Bucket(
                    name: name,
                    endpoint: "http://127.0.0.1:\(port)",
                    region: "us-east-1",
                    pathStyle: true,
                    credentials: S3Credentials(accessKeyID: "AKIDTESTING", secretAccessKey: "testing-secret")
                )
                server = S3ServerProcess(port: port, bucket: bucket, process: running)
            }
            if let server, (try? await server.client.createBucket()) != nil { return server }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(running.processIdentifier, SIGKILL)
        running.waitUntilExit()
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        throw TestEnvironmentError("moto's S3 server did not start (pip install 'moto[server]'):\n\(text)")
    }

    /// SIGKILL: the store is in memory, and a child of the test runner may inherit a mask
    /// that blocks SIGTERM, which Python, unlike nats-server, leaves blocked.
    public func stop() {
        guard let running = process.withLock({ $0.take() }) else { return }
        kill(running.processIdentifier, SIGKILL)
        running.waitUntilExit()
    }
}

/// Runs `body` with a fresh S3 server, stopped afterwards whatever happens.
public func withS3Server<T>(_ body: (S3ServerProcess) async throws -> T) async throws -> T {
    let server = try await S3ServerProcess.start()
    defer { server.stop() }
    return try await body(server)
}
