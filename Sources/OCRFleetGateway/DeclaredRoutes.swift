import HTTPTypes
import OCRFleetAPI
import OpenAPIRuntime

/// Every path the gateway serves with its methods: the generated operations and the store's
/// catch-all. Tells a path that exists from one that does not, for `UndeclaredMethods`.
struct DeclaredRoutes: Sendable {
    struct Route: Sendable {
        /// `/`-separated segments; `{name}` is one segment, `**` all that follow.
        let segments: [Substring]
        var methods: [HTTPRequest.Method]

        func matches(_ path: [Substring]) -> Bool {
            for (index, segment) in segments.enumerated() {
                if segment == "**" { return path.count > index }
                guard index < path.count else { return false }
                if segment.hasPrefix("{") { continue }
                guard segment == path[index] else { return false }
            }
            return path.count == segments.count
        }
    }

    private(set) var routes: [Route] = []

    mutating func add(_ method: HTTPRequest.Method, _ path: String) {
        let segments = path.split(separator: "/")
        if let index = routes.firstIndex(where: { $0.segments == segments }) {
            routes[index].methods.append(method)
        } else {
            routes.append(Route(segments: segments, methods: [method]))
        }
    }

    /// The methods `path` is served with; nil when no route has its shape.
    func methods(of path: String) -> [HTTPRequest.Method]? {
        let segments = path.split(separator: "/")
        return routes.first { $0.matches(segments) }?.methods
    }
}

/// A transport that only notes what the generated server would register.
struct RouteRecorder: ServerTransport {
    final class Box: @unchecked Sendable {
        // Filled by one synchronous `registerHandlers` call before anyone reads it.
        var routes = DeclaredRoutes()
    }
    let box = Box()

    func register(
        _ handler: @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method,
        path: String
    ) throws {
        box.routes.add(method, path)
    }
}
