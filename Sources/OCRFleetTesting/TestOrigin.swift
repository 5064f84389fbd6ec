import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// An origin server for egress tests, on loopback:
/// - `GET /doc` serves the document it was given;
/// - `GET` or `POST /to?location=URL` answers 302 to `URL`, whatever its scheme;
/// - `GET /broken` answers 500 with a server banner, as an internal service would;
/// - `PUT /results/{key}` stores (and counts) an upload, `PUT /broken/{key}` answers 500 with the banner.
/// It records every request's method and path, so a test can tell what reached it.
public struct TestOrigin: Sendable {
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// Text in every error answer, which must never reach a job's public error.
    public static let banner = "origin-banner-7d3f internal-build 9.9.9"
    let log: RequestLog

    /// "METHOD /path" of every request, in order.
    public var requests: [String] { log.entries.withLock { $0 } }

    /// A URL of this origin that redirects to `location`.
    public func redirect(to location: String) -> String {
        var components = URLComponents(string: baseURL + "/to")!
        components.queryItems = [URLQueryItem(name: "location", value: location)]
        return components.string!
    }
}

final class RequestLog: Sendable {
    let entries = Mutex<[String]>([])
    func record(_ request: Request) { entries.withLock { $0.append("\(request.method) \(request.uri.path)") } }
}

/// Runs `body` with an origin serving `document` at `/doc`.
public func withTestOrigin<T>(document: [UInt8], _ body: (TestOrigin) async throws -> T) async throws -> T {
    let log = RequestLog()
    let router = Router()
    let failure: @Sendable () -> Response = {
        Response(
            status: .internalServerError,
            headers: [.server: TestOrigin.banner],
            body: .init(byteBuffer: ByteBuffer(string: TestOrigin.banner))
        )
    }
    router.get("/doc") { request, _ in
        log.record(request)
        return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: document)))
    }
    let redirect: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
        log.record(request)
        let location = request.uri.queryParameters.get("location") ?? "/"
        return Response(status: .found, headers: [.location: location])
    }
    router.get("/to", use: redirect)
    router.post("/to", use: redirect)
    router.get("/broken") { request, _ in
        log.record(request)
        return failure()
    }
    router.put("/results/{key}") { request, _ in
        log.record(request)
        _ = try await request.body.collect(upTo: 64 << 20)
        return Response(status: .ok)
    }
    router.put("/broken/{key}") { request, _ in
        log.record(request)
        _ = try await request.body.collect(upTo: 64 << 20)
        return failure()
    }
    let services = try await RunningServices.serve("the test origin", router: router)
    return try await services.whileRunning { try await body(TestOrigin(port: services.port, log: log)) }
}
