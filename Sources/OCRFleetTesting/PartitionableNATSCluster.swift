import Foundation

/// A JetStream cluster whose members each run in a network namespace of the test's own
/// (`BridgedNamespaces`), for tests of network partitions: `cut(_:)` cuts a member off from
/// its clients and its peers at once, `heal(_:)` joins it again. Processes in this namespace
/// reach the members over the bridge, at `urls`.
public final class PartitionableNATSCluster: Sendable {
    public let network: BridgedNamespaces
    public let nodes: [NATSServerProcess]
    /// Every member's URL, comma-separated, as `OCR_NATS_URL` takes them.
    public var urls: String { nodes.map(\.url).joined(separator: ",") }

    static let clientPort = 4222
    static let routePort = 6222
    static let monitoringPort = 8222

    init(network: BridgedNamespaces, nodes: [NATSServerProcess]) {
        self.network = network
        self.nodes = nodes
    }

    /// Starts one member per namespace of `network`, routed to each other.
    static func start(on network: BridgedNamespaces) async throws -> PartitionableNATSCluster {
        let directory = NSTemporaryDirectory() + "ocrfleet-partitioned-\(network.tag)"
        let executable = try NATSServerProcess.newestExecutable()
        let routes = (0..<network.hostCount).map { "\"nats-route://\(network.address($0)):\(routePort)\"" }
            .joined(separator: ", ")
        let nodes = try (0..<network.hostCount).map { index in
            let store = "\(directory)/n\(index)"
            try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
            let address = network.address(index)
            let configuration = """
                server_name: n\(index)
                listen: \(address):\(clientPort)
                http: \(address):\(monitoringPort)
                jetstream { store_dir: "\(store)/jetstream" }
                cluster { name: ocrfleet, listen: \(address):\(routePort), routes: [\(routes)] }
                """
            return NATSServerProcess(
                executable: executable,
                host: address,
                port: clientPort,
                storeDirectory: store,
                configuration: configuration,
                namespace: network.namespace(index)
            )
        }
        let cluster = PartitionableNATSCluster(network: network, nodes: nodes)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for node in nodes { group.addTask { try await node.launch() } }
                try await group.waitForAll()
            }
        } catch {
            cluster.shutdown()
            throw error
        }
        return cluster
    }

    /// Cuts member `index` off from everything: it runs on, unreachable, and reaches nobody.
    public func cut(_ index: Int) async throws { try await network.cut(index) }

    /// Joins member `index` to the network again.
    public func heal(_ index: Int) async throws { try await network.heal(index) }

    /// Stops every member and removes their stores (the directory above them too).
    func shutdown() {
        for node in nodes { node.shutdown() }
        if let store = nodes.first?.storeDirectory {
            try? FileManager.default.removeItem(atPath: (store as NSString).deletingLastPathComponent)
        }
    }
}

/// Runs `body` with a cluster of `size` members in namespaces on a bridge of the test's own;
/// afterwards stops the members and removes their stores, the namespaces, the links and the
/// bridge, whether `body` succeeds or not.
public func withPartitionableNATSCluster<T>(
    size: Int = 3,
    _ body: (PartitionableNATSCluster) async throws -> T
)
    async throws -> T
{
    try await withBridgedNamespaces(hosts: size) { network in
        let cluster = try await PartitionableNATSCluster.start(on: network)
        defer { cluster.shutdown() }
        return try await body(cluster)
    }
}
