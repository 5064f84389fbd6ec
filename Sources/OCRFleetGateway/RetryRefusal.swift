import Foundation
import HTTPTypes
import Hummingbird
import OCRFleetModel

/// Why `POST /v1/jobs/{id}/retry` did not queue the job again; answered as an `APIError`.
enum RetryRefusal: HTTPResponseError {
    /// The job is not `failed` (`409 job_not_failed`): still running, completed, cancelled,
    /// or queued again by a retry that came first.
    case jobNotFailed(String, JobState.Phase)
    /// The job failed but has no dead letter to replay (`409 no_dead_letter`): replayed or
    /// purged already, or, just after the failure, not written yet.
    case noDeadLetter(String)
    /// A URL of the job that the gateway does not sign has expired (`422 url_expired`,
    /// `field` names it): the job would only fail again.
    case urlExpired(String, JobURLField, Date)

    var apiError: APIError {
        switch self {
        case .jobNotFailed(let id, let state):
            APIError(.conflict, code: "job_not_failed", "job \(id) is \(state.rawValue); only a failed job can be retried")
        case .noDeadLetter(let id):
            APIError(
                .conflict,
                code: "no_dead_letter",
                "job \(id) has no dead letter to retry from (replayed or purged already, or not yet written: try again after its failed event)"
            )
        case .urlExpired(let id, let field, let expiry):
            APIError(
                .unprocessableContent,
                code: "url_expired",
                "job \(id)'s \(field.path) expired at \(expiry.formatted(.iso8601)) and is not this gateway's to sign again; submit the job again with fresh URLs",
                field: field.path
            )
        }
    }

    var status: HTTPResponse.Status { apiError.status }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try apiError.response(from: request, context: context)
    }
}
