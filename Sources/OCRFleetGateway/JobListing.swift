import Foundation
import Hummingbird
import OCRFleetBus
import OCRFleetModel

extension Gateway {
    /// A page of `GET /v1/jobs`: the jobs, newest update first, and where the next page is.
    struct JobPage: Encodable {
        var jobs: [JobState]
        /// The `before` cursor of the next page; absent on the last.
        var next: String?
        var nextURL: String?

        enum CodingKeys: String, CodingKey {
            case jobs, next
            case nextURL = "next_url"
        }
    }

    static let defaultPageSize = 100
    static let maxPageSize = 1000

    /// `GET /v1/jobs?state=…&limit=…&before=…`: jobs from the KV bucket by their latest
    /// update, newest first; only the caller's, under the caller's own ids.
    func listJobs(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let query = request.uri.queryParameters
        var state: JobState.Phase?
        if let text = query["state"].map(String.init) {
            guard let phase = JobState.Phase(rawValue: text) else {
                throw APIError.invalid(
                    "state must be one of \(JobState.Phase.allCases.map(\.rawValue).joined(separator: ", "))",
                    field: "state"
                )
            }
            state = phase
        }
        var limit = Self.defaultPageSize
        if let text = query["limit"].map(String.init) {
            guard let value = Int(text), (1...Self.maxPageSize).contains(value) else {
                throw APIError.invalid("limit must be a whole number from 1 to \(Self.maxPageSize)", field: "limit")
            }
            limit = value
        }
        var before: UInt64?
        if let text = query["before"].map(String.init) {
            guard let value = UInt64(text), value > 0 else {
                throw APIError.invalid("before must be the next cursor of an earlier page", field: "before")
            }
            before = value
        }
        let (jobs, next) = try await streams.states().recent(
            state: state,
            idPrefix: caller.busIDPrefix,
            limit: limit,
            before: before
        )
        var page = JobPage(
            jobs: jobs.compactMap { job in
                var job = job
                guard let id = caller.clientID(ofBusID: job.jobID) else { return nil }
                job.jobID = id
                return job
            }
        )
        if let next {
            page.next = String(next)
            var url = "\(configuration.publicURL)/v1/jobs?limit=\(limit)&before=\(next)"
            if let state { url += "&state=\(state.rawValue)" }
            page.nextURL = url
        }
        return try jsonResponse(page)
    }
}
