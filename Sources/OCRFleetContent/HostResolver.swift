import Foundation
import NIOPosix

/// Turns a host name into addresses, once per URL: the egress policy checks what it returns
/// and the connection goes to one of those addresses, so nothing resolves the name again
/// (no DNS rebinding window).
public struct HostResolver: Sendable {
    /// Addresses of a name; empty when it does not resolve.
    public let addresses: @Sendable (String) async throws(ResolutionFailure) -> [IPAddress]

    public init(_ addresses: @escaping @Sendable (String) async throws(ResolutionFailure) -> [IPAddress]) {
        self.addresses = addresses
    }

    /// The system's resolver (`getaddrinfo`: /etc/hosts, then DNS), on threads of its own:
    /// a name whose servers never answer holds a thread for the resolver's whole timeout, and
    /// a submitter may send many, which must not stall the file I/O of NIO's shared pool.
    public static let system = HostResolver { name throws(ResolutionFailure) in
        let answer: Result<[IPAddress], ResolutionFailure>
        do {
            answer = try await lookUpThreads.runIfActive { lookUp(name) }
        } catch {
            throw ResolutionFailure(detail: "cannot resolve \(name): \(error)")
        }
        return try answer.get()
    }

    private static let lookUpThreads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()

    /// Fixed answers, for tests: a name missing from `answers` does not resolve.
    public static func fixed(_ answers: [String: [IPAddress]]) -> HostResolver {
        HostResolver { name in answers[name] ?? [] }
    }

    private static func lookUp(_ name: String) -> Result<[IPAddress], ResolutionFailure> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &list)
        guard status == 0 else {
            return .failure(ResolutionFailure(detail: "cannot resolve \(name): \(String(cString: gai_strerror(status)))"))
        }
        defer { freeaddrinfo(list) }
        var found: [IPAddress] = []
        var cursor = list
        while let entry = cursor {
            if let socketAddress = entry.pointee.ai_addr, let address = Self.address(socketAddress), !found.contains(address) {
                found.append(address)
            }
            cursor = entry.pointee.ai_next
        }
        return .success(found)
    }

    private static func address(_ socketAddress: UnsafeMutablePointer<sockaddr>) -> IPAddress? {
        switch Int32(socketAddress.pointee.sa_family) {
        case AF_INET:
            return socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                IPAddress(bytes: withUnsafeBytes(of: v4.pointee.sin_addr.s_addr) { Array($0) })
            }
        case AF_INET6:
            return socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                IPAddress(bytes: withUnsafeBytes(of: v6.pointee.sin6_addr) { Array($0) })
            }
        default:
            return nil
        }
    }
}

/// A name that could not be resolved (no such name, or the resolver failed).
public struct ResolutionFailure: Error, Sendable {
    public let detail: String
}
