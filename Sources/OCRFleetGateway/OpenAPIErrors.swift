import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OCRFleetModel
import OpenAPIRuntime

/// Turns what the generated server throws into the contract's error answers. The generated
/// code wraps every error in a `ServerError`: a handler's or middleware's own `APIError` is
/// answered as it is; a request the generated code could not decode (a parameter or body that
/// does not fit the document) is `400 invalid_job` naming the field, or the status the runtime
/// chose (415 for a content type the operation does not take). Anything else is a `500`, with
/// its cause in the log.
struct OpenAPIErrors<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ServerError {
            let answer = Self.answer(to: error)
            if answer.status == .internalServerError {
                // The caller only learns that it failed; the operator needs why.
                context.logger.error(
                    "request failed inside the gateway",
                    metadata: ["operation": "\(error.operationID)", "error": "\(error.underlyingError)"]
                )
            }
            throw answer
        }
    }

    static func answer(to error: ServerError) -> any HTTPResponseError {
        if let answer = error.underlyingError as? any HTTPResponseError { return answer }
        let decoding = error.underlyingError as? DecodingError
        let message = decoding.map { "request: \($0.summary)" } ?? error.causeDescription
        switch error.httpStatus {
        case .badRequest:
            // The runtime's errors for a query parameter carry no name: the document says which
            // of the request's parameters it refuses.
            let field = decoding?.fieldPath ?? QueryParameters.refused(in: error.request, operation: error.operationID)
            return APIError.invalid(message, field: field)
        case .unsupportedMediaType: return APIError(.unsupportedMediaType, code: "unsupported_media_type", message)
        case .notAcceptable: return APIError(.notAcceptable, code: "not_acceptable", message)
        default: return APIError(.internalServerError, code: "internal", "the request failed inside the gateway")
        }
    }
}
