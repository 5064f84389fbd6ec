// The egress policy's cost per request: its check (URL parse, address classification, one
// name resolution) and the connection it pins, against the path before it (a shared,
// pooled HTTP client that resolves names itself), all to one HTTP/1.1 server on loopback in
// this process. Run by scripts/bench-egress.sh in a release build; compare the ratios, which
// hold on a loaded machine better than the absolute figures.
//   egress-bench [requests per case, default 2000]
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import OCRFleetContent

/// Answers every request `200 ok`, keeping the connection open.
final class OKHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: ["content-length": "2"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "ok")))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

/// Microseconds per run of `body`, after a warm-up.
func microseconds(
    _ runs: Int,
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws -> Void
)
    async throws -> Double
{
    for _ in 0..<min(100, runs) { try await body() }
    let start = ContinuousClock.now
    for _ in 0..<runs { try await body() }
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) * 1e6 / Double(runs) + Double(elapsed.components.attoseconds) / 1e12 / Double(runs)
}

@main
enum EgressBench {
    static func main() async throws {
        let runs = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 2000
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(OKHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = server.localAddress?.port ?? 0
        let literalURL = "http://127.0.0.1:\(port)/doc"
        let nameURL = "http://localhost:\(port)/doc"

        let policy = EgressPolicy(allowed: [EgressRule("127.0.0.0/8")!])
        let egress = EgressHTTPClient(configuration: HTTPClient.Configuration())
        var pooledConfiguration = HTTPClient.Configuration()
        pooledConfiguration.redirectConfiguration = .disallow
        let pooled = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: pooledConfiguration)

        func get(_ client: HTTPClient, _ url: String) async throws {
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1024)
        }

        func get(_ destination: EgressDestination) async throws {
            try await egress.execute(HTTPClientRequest(url: destination.url), to: destination, deadline: .now() + .seconds(10)) {
                _ = try await $0.body.collect(upTo: 1024)
            }
        }

        /// What the check before the egress policy did for a name: parse the URL, resolve the host.
        func previousCheck(_ url: String) async throws {
            guard let host = URLComponents(string: url)?.host else { return }
            _ = try await HostResolver.system.addresses(host)
        }

        let checkLiteral = try await microseconds(runs) { _ = try await policy.destination(of: literalURL, narrowed: true) }
        let checkName = try await microseconds(runs) { _ = try await policy.destination(of: nameURL, narrowed: true) }
        let previousName = try await microseconds(runs) { try await previousCheck(nameURL) }
        let beforeLiteral = try await microseconds(runs) { try await get(pooled, literalURL) }
        let afterLiteral = try await microseconds(runs) { try await get(try await policy.destination(of: literalURL, narrowed: true)) }
        let beforeName = try await microseconds(runs) {
            try await previousCheck(nameURL)
            try await get(pooled, nameURL)
        }
        let afterName = try await microseconds(runs) { try await get(try await policy.destination(of: nameURL, narrowed: true)) }
        let freshConnection = try await microseconds(runs) {
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: pooledConfiguration)
            try await get(client, literalURL)
            try await client.shutdown()
        }

        func row(_ label: String, _ value: Double, against base: Double? = nil) {
            let ratio = base.map { String(format: "  ×%.2f", value / $0) } ?? ""
            print(label.padding(toLength: 64, withPad: " ", startingAt: 0) + String(format: "%9.1f µs", value) + ratio)
        }
        print("egress policy, µs per request (\(runs) each; HTTP/1.1 on loopback, 2-byte answers)")
        row("check, literal address", checkLiteral)
        row("check, name resolved once (getaddrinfo, /etc/hosts)", checkName)
        row("previous check of a name (parse + getaddrinfo)", previousName)
        row("GET literal URL, before (shared pooled client)", beforeLiteral)
        row("GET literal URL, after (check + shared pooled client)", afterLiteral, against: beforeLiteral)
        row("GET by name, before (old check + pooled client)", beforeName)
        row("GET by name, after (check + connection pinned to it)", afterName, against: beforeName)
        row("  of which: a new client and connection each time", freshConnection, against: beforeLiteral)

        try await egress.shutdown()
        try await pooled.shutdown()
        try await server.close()
    }
}
