import Foundation
import Logging
import OCRFleetBus
import OCRFleetModel

/// Publishes one job attempt's lifecycle events on `ocr.events.<kind>.<job_id>` and keeps
/// its KV state in step, waiting out bus trouble on each call. Every state write is a
/// compare-and-set against the revision this attempt last saw: an attempt never overwrites
/// an end that another attempt of the job recorded (a redelivery after a partition runs
/// beside the first); it learns of it as `JobEndedElsewhere` and stops. A job's end is
/// recorded once, and that record is the commit point its terminal event follows.
actor LifecycleReporter {
    let nats: NATSConnection
    let states: JobStateStore
    let source: String
    let header: EventHeader
    let patience: BusPatience
    let faults: FaultInjection
    let logger: Logger
    private var state: JobState?
    private var revision: UInt64?
    /// When the server stored the state read last.
    private(set) var storedAt: Date?
    private var loaded = false

    init(
        nats: NATSConnection,
        states: JobStateStore,
        workerName: String,
        jobID: String,
        attempt: Int,
        patience: BusPatience,
        faults: FaultInjection = FaultInjection(),
        logger: Logger
    ) {
        self.nats = nats
        self.states = states
        self.source = "urn:ocrfleet:worker:\(workerName)"
        self.header = EventHeader(jobID: jobID, attempt: attempt, worker: workerName)
        self.patience = patience
        self.faults = faults
        self.logger = logger
    }

    /// Whether the job has a state this reporter can write (an id too malformed to be a KV
    /// key has none: such a job ends with its events and dead letter only).
    nonisolated var recordsState: Bool { JobRequest.isValidJobID(header.jobID) }

    /// The job's state as stored now; nil when it has none.
    func load() async throws -> JobState? {
        guard recordsState else { return nil }
        let known = try await patience.run("read the job's state", logger: logger) {
            try await states.read(header.jobID)
        }
        state = known?.state
        revision = known?.revision
        storedAt = known?.storedAt
        loaded = true
        return state
    }

    /// The state this attempt last read or wrote.
    var current: JobState? { state }

    /// Publishes a non-terminal event. `patient: false` for what may be lost (progress): bus
    /// trouble is not waited out for it, so it does not hold up the pages.
    func publish(_ body: LifecycleData.Body, patient: Bool = true) async throws {
        try await publish(
            LifecycleEvent.lifecycle(LifecycleData(header: header, body: body), source: source),
            patient: patient
        )
    }

    /// Applies `change` to the job's state and stores it, unless the job has ended: then it
    /// throws `JobEndedElsewhere` with the end that was recorded. Returns what was stored.
    @discardableResult
    func updateState(patient: Bool = true, _ change: (inout JobState) -> Void) async throws -> JobState {
        let patience = patient ? self.patience : BusPatience(limit: .zero)
        guard recordsState else {
            var next = JobState(jobID: header.jobID, state: .queued)
            change(&next)
            return next
        }
        while true {
            if !loaded { _ = try await load() }
            if let state, state.state.isTerminal { throw JobEndedElsewhere(state: state) }
            var next = state ?? JobState(jobID: header.jobID, state: .queued)
            change(&next)
            next.updatedAt = Date()
            next.attempts = max(next.attempts, header.attempt)
            next.worker = header.worker
            let replacement = try await patience.run("write the job's state", logger: logger) { [revision] in
                if next.state.isTerminal, faults.fires(.endWriteFails) { throw NATSError.injected("write the job's end") }
                return try await states.replace(next, revision: revision)
            }
            switch replacement {
            case .stored(let stored):
                state = next
                revision = stored
                return next
            case .superseded:
                loaded = false
            }
        }
    }

    /// Starts the job afresh when its state still says it failed: a job submitted again after
    /// it failed for good is a new run, with a fresh budget of failures.
    func reopen() async throws {
        while let state, state.state == .failed {
            var next = JobState(jobID: state.jobID, state: .queued)
            next.createdAt = state.createdAt
            next.metadata = state.metadata
            let replacement = try await patience.run("reopen the job's state", logger: logger) { [revision] in
                try await states.replace(next, revision: revision)
            }
            switch replacement {
            case .stored(let stored):
                self.state = next
                revision = stored
            case .superseded:
                _ = try await load()
            }
        }
    }

    /// Publishes the terminal event of `ended`, a recorded end, under its deterministic id.
    func announce(_ ended: JobState) async throws {
        try await publish(Self.terminalEvent(of: ended, source: source))
    }

    /// Whether the terminal event of `ended` is in `OCR_EVENTS` already: the last event on
    /// its subject has its id. An end recorded by a worker from before ends were recorded first
    /// was announced before it was recorded: a completed state without its completion, or a
    /// last event that ends the job under a random id, is announced.
    func isAnnounced(_ ended: JobState) async throws -> Bool {
        // A purged job is announced no more: its events are gone on purpose.
        if ended.state == .purged || (ended.state == .completed && ended.completion == nil) { return true }
        let expected = try Self.terminalEvent(of: ended, source: source)
        let stored = StoredMessages(connection: nats, stream: StreamNames.events)
        let last = try await patience.run("read the job's last \(expected.kind.rawValue) event", logger: logger) {
            try await stored.last(on: Subjects.event(expected.kind, jobID: ended.jobID))
        }
        guard let last, let event = try? LifecycleEvent.decode(last.payload) else { return false }
        return event.id == expected.id || (event.data.body.endsJob && !event.id.hasPrefix("\(ended.jobID)."))
    }

    private func publish(_ event: LifecycleEvent, patient: Bool = true) async throws {
        let payload = try [UInt8](CloudEventCoding.encoder().encode(event))
        let patience = patient ? self.patience : BusPatience(limit: .zero)
        try await patience.run("publish \(event.kind.rawValue)", logger: logger) {
            try await nats.publish(
                Subjects.event(event.kind, jobID: event.data.header.jobID),
                payload: payload,
                headers: ["Content-Type": CloudEventCoding.contentType],
                messageID: event.id
            )
        }
    }

    /// The event a recorded end is announced with, named by the attempt that recorded it.
    static func terminalEvent(of ended: JobState, source: String) throws -> LifecycleEvent {
        let body: LifecycleData.Body
        switch ended.state {
        case .completed:
            guard let completion = ended.completion else {
                throw OCRError(.internal, "job \(ended.jobID) is recorded completed without its completion")
            }
            body = .completed(completion)
        case .failed:
            body = .failed(
                JobFailed(error: ended.error ?? ErrorBody(OCRError(.internal, "no error recorded")), willRetry: false)
            )
        case .cancelled:
            body = .cancelled
        case .queued, .running, .retrying:
            throw OCRError(.internal, "job \(ended.jobID) has not ended")
        case .purged:
            throw OCRError(.internal, "job \(ended.jobID) was purged: nothing is announced of it")
        }
        let header = EventHeader(jobID: ended.jobID, attempt: ended.attempts, worker: ended.worker ?? "unknown")
        return LifecycleEvent.lifecycle(
            LifecycleData(header: header, body: body),
            source: source,
            finishedAt: ended.finishedAt ?? ended.updatedAt
        )
    }
}

/// The job had ended when an attempt went to record something: another attempt (or the
/// dead-lettering of an undeliverable job) recorded `state` first.
struct JobEndedElsewhere: Error {
    var state: JobState
}
