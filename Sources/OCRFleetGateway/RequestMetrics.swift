import HTTPTypes
import Hummingbird
import OCRFleetMetrics

/// Counts and times every request (`FleetMetrics.gatewayRequest`).
struct RequestMetrics<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status, since: start)
            return response
        } catch {
            record(request, context, status: (error as? any HTTPResponseError)?.status ?? .internalServerError, since: start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: HTTPResponse.Status, since start: ContinuousClock.Instant) {
        FleetMetrics.gatewayRequest(
            method: request.method.rawValue,
            route: context.endpointPath ?? "unmatched",
            status: status.code,
            took: .now - start
        )
    }
}
