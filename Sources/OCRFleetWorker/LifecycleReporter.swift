import Foundation
import Logging
import OCRFleetBus
import OCRFleetModel

/// Publishes one job attempt's lifecycle events on `ocr.events.<kind>.<job_id>` and keeps
/// its KV state in step. Events go through JetStream with `Nats-Msg-Id` = event id, so a
/// retried publish is stored once. The state is read from KV once per attempt: while the
/// worker runs the job, it is the only writer.
actor LifecycleReporter {
    let nats: NATSConnection
    let states: JobStateStore
    let source: String
    let header: EventHeader
    let logger: Logger
    private var state: JobState?

    init(nats: NATSConnection, states: JobStateStore, workerName: String, jobID: String, attempt: Int, logger: Logger) {
        self.nats = nats
        self.states = states
        self.source = "urn:ocrfleet:worker:\(workerName)"
        self.header = EventHeader(jobID: jobID, attempt: attempt, worker: workerName)
        self.logger = logger
    }

    func publish(_ body: LifecycleData.Body) async throws {
        let event = LifecycleEvent.lifecycle(LifecycleData(header: header, body: body), source: source)
        let payload = try [UInt8](CloudEventCoding.encoder().encode(event))
        try await nats.publish(
            Subjects.event(body.kind, jobID: header.jobID), payload: payload,
            headers: ["Content-Type": CloudEventCoding.contentType], messageID: event.id)
    }

    /// The job's state as the runner just read it, so the first update need not read it again.
    func remember(_ known: JobState) { state = known }

    /// Reads the job's state (or starts one), applies `change` and stores it.
    func updateState(_ change: (inout JobState) -> Void) async throws {
        var next: JobState
        if let state {
            next = state
        } else {
            next = try await states.get(header.jobID) ?? JobState(jobID: header.jobID, state: .queued)
        }
        change(&next)
        next.updatedAt = Date()
        next.attempts = max(next.attempts, header.attempt)
        next.worker = header.worker
        try await states.put(next)
        state = next
    }
}
