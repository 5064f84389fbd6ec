import Foundation
import OCRFleetAPI
import OCRFleetBus
import OCRFleetModel

extension Gateway {
    static let defaultPageSize = 100
    static let maxPageSize = 1000

    /// `GET /v1/jobs?state=…&limit=…&before=…`: jobs from the KV bucket by their latest
    /// update, newest first; only the caller's, under the caller's own ids.
    public func listJobs(_ input: Operations.ListJobs.Input) async throws -> Operations.ListJobs.Output {
        let caller = try Caller.required()
        let state = input.query.state.map(JobState.Phase.init)
        let limit = input.query.limit ?? Self.defaultPageSize
        guard (1...Self.maxPageSize).contains(limit) else {
            throw APIError.invalid("limit must be a whole number from 1 to \(Self.maxPageSize)", field: "limit")
        }
        var before: UInt64?
        if let text = input.query.before {
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
        let own = jobs.compactMap { job -> JobState? in
            var job = job
            guard let id = caller.clientID(ofBusID: job.jobID) else { return nil }
            job.jobID = id
            return job
        }
        var page = Components.Schemas.JobList(jobs: try own.map { try APIJSON.convert($0, to: Components.Schemas.JobState.self) })
        if let next {
            page.next = String(next)
            var url = "\(configuration.publicURL)/v1/jobs?limit=\(limit)&before=\(next)"
            if let state { url += "&state=\(state.rawValue)" }
            page.nextUrl = url
        }
        return .ok(.init(body: .json(page)))
    }
}
