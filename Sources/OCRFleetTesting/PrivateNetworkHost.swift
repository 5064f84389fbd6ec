import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A host on private networks of the test's own: a network namespace joined to this one by
/// a veth pair, holding one RFC 1918 address in 10/8, one in 192.168/16 and one in
/// 100.64/10 (CGNAT), with a listener there counting the connections it is offered. It
/// needs root and iproute2 (`ip netns`); without them the test fails, it is never skipped.
public struct PrivateNetworkHost: Sendable {
    /// The namespace's addresses, reachable from this namespace through the veth pair.
    public let addresses: [String]
    public let port: Int
    let accepted: Counter
    let baseline: Int

    /// Connections the listener accepted since the host was ready (its own probes excluded).
    public var connections: Int { accepted.value.load(ordering: .sequentiallyConsistent) - baseline }

    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }
}

/// Runs `body` with a private network host, and removes the namespace, the veth pair and the
/// listener afterwards, whether `body` succeeds or not.
public func withPrivateNetworkHost<T>(_ body: (PrivateNetworkHost) async throws -> T) async throws -> T {
    let tag = String(UInt32.random(in: 0..<0xff_ffff), radix: 16)
    let namespace = "ocrfleet-egress-\(tag)"
    let (outside, inside) = ("oe\(tag)a", "oe\(tag)b")
    let octet = Int.random(in: 16...250)
    let networks = ["10.213.\(octet)", "192.168.\(octet)", "100.64.\(octet)"]
    let port = 8080
    var listener: Process?
    do {
        try await IPCommand.run(["netns", "add", namespace])
        try await IPCommand.run(["link", "add", outside, "type", "veth", "peer", "name", inside])
        try await IPCommand.run(["link", "set", inside, "netns", namespace])
        for network in networks {
            try await IPCommand.run(["addr", "add", "\(network).1/24", "dev", outside])
            try await IPCommand.run(["netns", "exec", namespace, "ip", "addr", "add", "\(network).2/24", "dev", inside])
        }
        try await IPCommand.run(["link", "set", outside, "up"])
        try await IPCommand.run(["netns", "exec", namespace, "ip", "link", "set", inside, "up"])

        let counter = PrivateNetworkHost.Counter()
        let (process, ready) = try PrivateNetworkHost.startListener(in: namespace, port: port, counter: counter)
        listener = process
        try await ready()
        let addresses = networks.map { "\($0).2" }
        // Each address must really be reachable, or "received nothing" would prove nothing.
        for address in addresses { try await PrivateNetworkHost.probe(address, port: port) }
        let deadline = ContinuousClock.now + .seconds(30)
        while counter.value.load(ordering: .sequentiallyConsistent) < addresses.count {
            guard ContinuousClock.now < deadline else { throw TestEnvironmentError("the private host's probes did not arrive") }
            try await Task.sleep(for: .milliseconds(10))
        }
        let host = PrivateNetworkHost(addresses: addresses, port: port, accepted: counter, baseline: addresses.count)
        let value = try await body(host)
        await PrivateNetworkHost.remove(namespace: namespace, link: outside, listener: listener)
        return value
    } catch {
        await PrivateNetworkHost.remove(namespace: namespace, link: outside, listener: listener)
        throw error
    }
}

extension PrivateNetworkHost {
    /// python3 in the namespace: accepts on every address, prints a line per connection.
    static let listenerScript = """
        import socket, sys
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("0.0.0.0", int(sys.argv[1])))
        server.listen(64)
        print("ready", flush=True)
        while True:
            connection, _ = server.accept()
            print("connection", flush=True)
            connection.close()
        """

    /// Starts the listener; the returned function waits until it listens.
    static func startListener(
        in namespace: String,
        port: Int,
        counter: Counter
    ) throws
        -> (Process, @Sendable () async throws -> Void)
    {
        let output = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: IPCommand.path)
        process.arguments = ["netns", "exec", namespace, "python3", "-u", "-c", listenerScript, "\(port)"]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let listening = AsyncStream<Void>.makeStream()
        Task {
            for await line in BuiltExecutable.lines(output.fileHandleForReading) {
                if line == "ready" { listening.continuation.yield() }
                if line == "connection" { counter.value.add(1, ordering: .sequentiallyConsistent) }
            }
            listening.continuation.finish()
        }
        return (
            process,
            {
                var iterator = listening.stream.makeAsyncIterator()
                guard await iterator.next() != nil else {
                    throw TestEnvironmentError("the listener in network namespace \(namespace) did not start (python3?)")
                }
            }
        )
    }

    /// One TCP connection from this namespace, closed at once (if the listener has not already).
    static func probe(_ address: String, port: Int) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: address, port: port).get()
        try? await channel.close()
    }

    static func remove(namespace: String, link: String, listener: Process?) async {
        // SIGKILL: the test runner ignores SIGTERM (its services handle it), and so would its child.
        if let listener, listener.isRunning {
            kill(listener.processIdentifier, SIGKILL)
            try? await BuiltExecutable.waitForExit(listener)
        }
        // Deleting the namespace destroys the veth end inside it, and with it the pair.
        try? await IPCommand.run(["netns", "delete", namespace])
        try? await IPCommand.run(["link", "delete", link], quietly: true)
    }
}
