import HTTPTypes
import Hummingbird
import Metrics

/// Counts requests and times them by method, route pattern (`/v1/jobs/{id}`, so labels stay
/// few) and status: `ocrfleet_gateway_requests_total`, `ocrfleet_gateway_request_duration_seconds`.
struct RequestMetrics<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
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
        let method = request.method.rawValue
        let route = context.endpointPath ?? "unmatched"
        Counter(
            label: "ocrfleet_gateway_requests_total",
            dimensions: [("method", method), ("route", route), ("status", "\(status.code)")]
        ).increment()
        Metrics.Timer(label: "ocrfleet_gateway_request_duration_seconds", dimensions: [("method", method), ("route", route)])
            .record(duration: ContinuousClock.now - start)
    }
}
