import HTTPTypes
import Hummingbird
import OCRFleetTracing

/// A server span per job API request (Hummingbird's `TracingMiddleware`), continuing the
/// caller's W3C trace context. Malformed trace headers are removed first: swift-otel logs the
/// whole carrier when it cannot read one, and here that is every header, the bearer token too.
struct RequestTracing<Context: RequestContext>: RouterMiddleware {
    // A submission's query may carry a PDF's password and a callback URL with its own token;
    // the store's signed URLs are not traced at all.
    let spans = TracingMiddleware<Context>(redactingQueryParameters: ["password", "callback_url"])

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        try await spans.handle(Self.readable(request), context: context, next: next)
    }

    /// The request with only trace headers the tracer can read; untouched when they all are.
    static func readable(_ request: Request) -> Request {
        let traceparent = HTTPField.Name("traceparent")!
        let tracestate = HTTPField.Name("tracestate")!
        let sent = (request.headers[traceparent], request.headers[tracestate])
        let caller = CallerTrace(traceparent: sent.0, tracestate: sent.1)
        guard caller.traceparent != sent.0 || caller.tracestate != sent.1 else { return request }
        var head = request.head
        head.headerFields[traceparent] = caller.traceparent
        head.headerFields[tracestate] = caller.tracestate
        return Request(head: head, body: request.body)
    }
}
