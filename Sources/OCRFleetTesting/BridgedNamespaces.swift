import Foundation

/// Hosts on a private network of the test's own: network namespaces, each joined by a veth
/// pair to one bridge in this namespace. This namespace reaches host `i` at `address(i)`
/// over the bridge (it holds `bridgeAddress`), and the hosts reach each other the same way.
/// `cut(i)` takes host `i`'s link down, cutting it off from everything, this namespace and
/// the other hosts alike (this kernel has no `netem`); `heal(i)` brings it back. It needs
/// root and iproute2; without them the test fails, it is never skipped.
///
/// Names carry a random tag, so test processes running at once never share one, and the
/// creating process's id, so a later run can tell what a killed run left behind and remove
/// it (`removeLeftovers`): namespaces by name, links by their alias.
public struct BridgedNamespaces: Sendable {
    public let hostCount: Int
    /// The /24 in 10.219/16 this network uses, as its first three octets.
    let subnet: String
    let tag: String
    let owner: Int32

    static let namePrefix = "ocrfleet-bridged"

    /// This namespace's address on the bridge.
    public var bridgeAddress: String { "\(subnet).1" }

    public func address(_ host: Int) -> String { "\(subnet).\(host + 2)" }

    /// The network namespace host `host` lives in, for `ip netns exec`.
    public func namespace(_ host: Int) -> String { "\(Self.namePrefix)-\(owner)-\(tag)-\(host)" }

    /// Interface names are at most 15 characters: `ocb` + 6 hex digits + a suffix.
    var bridge: String { "ocb\(tag)" }
    /// Host `host`'s end of its veth pair in this namespace: the bridge port a cut takes down.
    func outsideLink(_ host: Int) -> String { "ocb\(tag)h\(host)" }
    func insideLink(_ host: Int) -> String { "ocb\(tag)i\(host)" }
    var alias: String { "\(Self.namePrefix) pid=\(owner)" }

    /// Makes the bridge and `hosts` namespaces on it, after removing what killed runs left.
    static func create(hosts: Int) async throws -> BridgedNamespaces {
        await removeLeftovers()
        let network = BridgedNamespaces(
            hostCount: hosts,
            subnet: try await unusedSubnet(),
            tag: String(format: "%06x", UInt32.random(in: 0..<0x100_0000)),
            owner: getpid()
        )
        do {
            try await network.build()
        } catch {
            await network.remove()
            throw error
        }
        return network
    }

    private func build() async throws {
        try await IPCommand.run(["link", "add", bridge, "type", "bridge"])
        try await IPCommand.run(["link", "set", bridge, "alias", alias])
        try await IPCommand.run(["addr", "add", "\(bridgeAddress)/24", "dev", bridge])
        try await IPCommand.run(["link", "set", bridge, "up"])
        for host in 0..<hostCount {
            let (namespace, outside, inside) = (namespace(host), outsideLink(host), insideLink(host))
            try await IPCommand.run(["netns", "add", namespace])
            try await IPCommand.run(["link", "add", outside, "type", "veth", "peer", "name", inside])
            try await IPCommand.run(["link", "set", outside, "alias", alias])
            try await IPCommand.run(["link", "set", inside, "netns", namespace])
            try await IPCommand.run(["link", "set", outside, "master", bridge])
            try await IPCommand.run(["link", "set", outside, "up"])
            try await IPCommand.run(["-n", namespace, "addr", "add", "\(address(host))/24", "dev", inside])
            try await IPCommand.run(["-n", namespace, "link", "set", inside, "up"])
            try await IPCommand.run(["-n", namespace, "link", "set", "lo", "up"])
        }
    }

    /// Takes host `host`'s link down: it keeps running but reaches nobody and nobody reaches it.
    public func cut(_ host: Int) async throws {
        try await IPCommand.run(["link", "set", outsideLink(host), "down"])
    }

    /// Brings host `host`'s link up again.
    public func heal(_ host: Int) async throws {
        try await IPCommand.run(["link", "set", outsideLink(host), "up"])
    }

    /// Ends whatever still runs in the namespaces, and removes them, the veth pairs and the bridge.
    func remove() async {
        for host in 0..<hostCount {
            await Self.removeNamespace(namespace(host))
            try? await IPCommand.run(["link", "delete", outsideLink(host)], quietly: true)
        }
        try? await IPCommand.run(["link", "delete", bridge], quietly: true)
    }

    private static func removeNamespace(_ namespace: String) async {
        // SIGKILL: a process left in the namespace would keep it (and its veth pair) alive.
        let pids = (try? await IPCommand.output(["netns", "pids", namespace])) ?? ""
        for pid in pids.split(whereSeparator: \.isNewline).compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
        // Deleting the namespace destroys the veth end inside it, and with it the pair.
        try? await IPCommand.run(["netns", "delete", namespace], quietly: true)
    }

    /// Removes the namespaces and links of runs whose process is gone (killed before it cleaned up).
    static func removeLeftovers() async {
        func gone(_ pid: Int32) -> Bool { kill(pid, 0) != 0 && errno == ESRCH }
        let namespaces = (try? await IPCommand.output(["netns", "list"])) ?? ""
        for line in namespaces.split(whereSeparator: \.isNewline) {
            // "ocrfleet-bridged-<pid>-<tag>-<host> (id: 3)"
            let name = String(line.split(separator: " ").first ?? "")
            let parts = name.dropFirst(namePrefix.count + 1).split(separator: "-")
            guard name.hasPrefix(namePrefix + "-"), let pid = parts.first.flatMap({ Int32($0) }), gone(pid) else { continue }
            await removeNamespace(name)
        }
        let links = (try? await IPCommand.output(["-o", "link", "show"])) ?? ""
        for line in links.split(whereSeparator: \.isNewline) {
            // "12: ocb1a2b3c: <BROADCAST,...> ... \    alias ocrfleet-bridged pid=<pid>"
            guard let aliasRange = line.range(of: "alias \(namePrefix) pid="),
                let pid = Int32(line[aliasRange.upperBound...].prefix(while: \.isNumber)), gone(pid)
            else { continue }
            let fields = line.split(separator: " ")
            guard fields.count > 1 else { continue }
            let name = fields[1].dropLast().split(separator: "@").first.map(String.init) ?? ""
            try? await IPCommand.run(["link", "delete", name], quietly: true)
        }
    }

    /// A /24 of 10.219/16 that no interface or route here uses yet.
    private static func unusedSubnet() async throws -> String {
        let inUse = try await IPCommand.output(["-o", "addr", "show"]) + (try await IPCommand.output(["route", "show"]))
        for _ in 0..<50 {
            let subnet = "10.219.\(Int.random(in: 16...250))"
            if !inUse.contains(subnet + ".") { return subnet }
        }
        throw TestEnvironmentError("no free /24 in 10.219/16 for a bridged test network")
    }
}

/// Runs `body` with `hosts` bridged namespaces, and removes them, their links and the bridge
/// afterwards, whether `body` succeeds or not.
public func withBridgedNamespaces<T>(hosts: Int, _ body: (BridgedNamespaces) async throws -> T) async throws -> T {
    let network = try await BridgedNamespaces.create(hosts: hosts)
    do {
        let value = try await body(network)
        await network.remove()
        return value
    } catch {
        await network.remove()
        throw error
    }
}
