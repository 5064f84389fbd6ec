import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A real `nats-server -js` on a free loopback port with its own temporary store, for one
/// test. `restart()` brings it back on the same port and store, as after a server crash.
public final class NATSServerProcess: Sendable {
    public let port: Int
    public let storeDirectory: String
    private let process = Mutex<Process?>(nil)

    public var url: String { "nats://127.0.0.1:\(port)" }

    private init(port: Int, storeDirectory: String) {
        self.port = port
        self.storeDirectory = storeDirectory
    }

    public static func start() async throws -> NATSServerProcess {
        let directory = NSTemporaryDirectory() + "ocrfleet-nats-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let server = NATSServerProcess(port: try await FreePort.find(), storeDirectory: directory)
        try await server.launch()
        return server
    }

    /// Stops the server (SIGTERM) and waits for it to exit; the store is kept for `restart`.
    public func stop() {
        guard let running = process.withLock({ $0.take() }) else { return }
        running.terminate()
        running.waitUntilExit()
    }

    public func restart() async throws {
        stop()
        try await launch()
    }

    /// Stops the server and removes its store.
    public func shutdown() {
        stop()
        try? FileManager.default.removeItem(atPath: storeDirectory)
    }

    private func launch() async throws {
        let log = storeDirectory + "/server.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let running = Process()
        running.executableURL = URL(fileURLWithPath: try Self.executable())
        running.arguments = ["-js", "-a", "127.0.0.1", "-p", "\(port)", "-sd", storeDirectory + "/jetstream", "-l", log]
        // Its own output goes to the log; inherited pipes would keep the test runner waiting.
        running.standardOutput = FileHandle.nullDevice
        running.standardError = FileHandle.nullDevice
        running.standardInput = FileHandle.nullDevice
        try running.run()
        process.withLock { $0 = running }
        // Ready once it says so in its log; a port in use or a bad flag shows up as an exit.
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: log, encoding: .utf8), text.contains("Server is ready") { return }
            guard running.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        stop()
        throw TestEnvironmentError("nats-server did not become ready on port \(port):\n\(text)")
    }

    static func executable() throws -> String {
        for candidate in ["/usr/bin/nats-server", "/usr/local/bin/nats-server", "/usr/sbin/nats-server"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw TestEnvironmentError("nats-server is not installed (apt-get install nats-server)")
    }
}

public struct TestEnvironmentError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum FreePort {
    /// A loopback port that was free a moment ago: bound to port 0, read back, closed.
    public static func find() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }
}

/// Runs `body` with a fresh NATS server, stopped and removed afterwards.
public func withNATSServer<T>(_ body: (NATSServerProcess) async throws -> T) async throws -> T {
    let server = try await NATSServerProcess.start()
    defer { server.shutdown() }
    return try await body(server)
}
