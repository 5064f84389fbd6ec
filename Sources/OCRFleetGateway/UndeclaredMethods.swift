import HTTPTypes
import Hummingbird

/// The answer when the router finds no route: `405` with `Allow` for a declared path asked
/// with another method, `404` for a path the gateway does not have; both with the error body.
struct UndeclaredMethods<Context: RequestContext>: RouterMiddleware {
    let routes: DeclaredRoutes

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard let methods = routes.methods(of: request.uri.path) else {
                throw APIError.notFound("no route \(request.uri.path)")
            }
            // A route's own 404 (an object the store does not have) stays what it is.
            guard !methods.contains(request.method) else { throw error }
            throw APIError(
                .methodNotAllowed,
                code: "method_not_allowed",
                "\(request.uri.path) takes \(methods.map(\.rawValue).joined(separator: ", ")), not \(request.method.rawValue)",
                allow: methods
            )
        }
    }
}
