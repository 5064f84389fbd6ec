import NIOCore
import NIOPosix
import Synchronization

/// A listener on loopback (127.0.0.1 and ::1) that counts the connections it is offered and
/// closes each at once: a target that must receive nothing can prove it.
public struct ConnectionCounter: Sendable {
    /// The IPv4 listener's port.
    public let port: Int
    /// The IPv6 (::1) listener's port.
    public let ipv6Port: Int
    let accepted: Counter

    /// Connections accepted so far, on both listeners.
    public var connections: Int { accepted.value.load(ordering: .sequentiallyConsistent) }

    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }
}

/// Runs `body` with a connection counter listening, and closes it afterwards.
public func withConnectionCounter<T>(_ body: (ConnectionCounter) async throws -> T) async throws -> T {
    let counter = ConnectionCounter.Counter()
    let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelInitializer { channel in
            counter.value.add(1, ordering: .sequentiallyConsistent)
            return channel.close()
        }
    let v4 = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
    let v6: any Channel
    do {
        v6 = try await bootstrap.bind(host: "::1", port: 0).get()
    } catch {
        try? await v4.close()
        throw error
    }
    let listeners = ConnectionCounter(
        port: v4.localAddress?.port ?? 0,
        ipv6Port: v6.localAddress?.port ?? 0,
        accepted: counter
    )
    do {
        let value = try await body(listeners)
        try? await v4.close()
        try? await v6.close()
        return value
    } catch {
        try? await v4.close()
        try? await v6.close()
        throw error
    }
}
