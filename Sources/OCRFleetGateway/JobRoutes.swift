import HTTPTypes
import OCRFleetAPI
import OCRFleetBus
import OCRFleetModel

extension Gateway {
    /// `GET /v1/jobs/{id}`: the job's state, under the caller's id.
    public func getJob(_ input: Operations.GetJob.Input) async throws -> Operations.GetJob.Output {
        let (_, state) = try await ownedJob(input.path.id)
        return .ok(.init(body: .json(try APIJSON.convert(state, to: Components.Schemas.JobState.self))))
    }

    /// `DELETE /v1/jobs/{id}`. Asks for the job to stop: recorded in KV (a job still queued is
    /// skipped when a worker takes it) and announced on `ocr.cancel.<id>` (the worker running
    /// it stops within a page). The job's `cancelled` event says when it has stopped. With
    /// `purge=true`, an ended job is removed instead (`purge(_:)`).
    public func cancelJob(_ input: Operations.CancelJob.Input) async throws -> Operations.CancelJob.Output {
        if input.query.purge == true { return .ok(.init(body: .json(try await purge(input.path.id)))) }
        let (busID, state) = try await ownedJob(input.path.id)
        guard !state.state.isTerminal else {
            throw APIError(.conflict, code: "already_final", "job \(state.jobID) is already \(state.state.rawValue)")
        }
        do {
            try await streams.states().requestCancel(busID)
            try nats.publishCore(Subjects.cancel(jobID: busID), payload: [])
        } catch {
            throw APIError(.serviceUnavailable, code: "unavailable", "the cancel request cannot be recorded; try again")
        }
        return .accepted(.init(body: .json(.init(jobID: state.jobID, state: state.state, base: configuration.publicURL))))
    }

    /// `GET /v1/queue`: the jobs waiting in `OCR_JOBS` and the backlog cap, for submitters
    /// that pace themselves.
    public func getQueue(_ input: Operations.GetQueue.Input) async throws -> Operations.GetQueue.Output {
        _ = try Caller.required()
        _ = try streams.states()
        let queue = Components.Schemas.Queue(jobs: Int(try await backlog.count()), maxBacklog: configuration.maxBacklog)
        return .ok(.init(body: .json(queue)))
    }
}
