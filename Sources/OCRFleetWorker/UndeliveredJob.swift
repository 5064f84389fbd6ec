import Foundation
import Logging
import OCRFleetBus
import OCRFleetMetrics
import OCRFleetModel

extension JobRunner {
    /// A job the consumer stopped delivering (its max-deliveries advisory): after its failures
    /// were counted in its state, every other delivery ended without an outcome, because its
    /// worker was killed, evicted or cut off mid-job. JetStream keeps such a job in the work
    /// queue but will not deliver it again, so unless the job has ended already it ends here
    /// as `worker_lost` (recorded, dead-lettered from its stream sequence, announced); then
    /// it is deleted from `OCR_JOBS`. One worker handles each advisory (`OCR_ADVISORIES` is a
    /// work queue), and the recorded end keeps even a second one from ending the job twice.
    /// False when the bus kept it from finishing: the advisory is handled again later.
    func endUndelivered(sequence: UInt64, deliveries: Int) async -> Bool {
        let jobs = StoredMessages(connection: nats, stream: StreamNames.jobs)
        var logger = self.logger
        logger[metadataKey: "stream_sequence"] = "\(sequence)"
        do {
            let stored = try await patience.run("read an undelivered job", logger: logger) {
                try await jobs.message(at: sequence)
            }
            guard let message = stored else { return true }
            let jobID = JobEvent.salvageJobID(body: message.payload) ?? "unknown-\(sequence)"
            logger[metadataKey: "job_id"] = "\(jobID)"
            let reporter = LifecycleReporter(
                nats: nats,
                states: states,
                workerName: configuration.workerName,
                jobID: jobID,
                attempt: deliveries,
                patience: patience,
                logger: logger
            )
            let ended: JobState
            if let known = try await reporter.load(), known.state.isTerminal {
                ended = known
            } else {
                do {
                    let failures = await reporter.current?.failedAttempts ?? 0
                    let error = OCRError(
                        .workerLost,
                        "delivered \(deliveries) times, \(deliveries - failures) of them ending without an outcome "
                            + "(the worker was killed, evicted or cut off mid-job)"
                    )
                    ended = try await reporter.updateState { state in
                        state.state = .failed
                        state.error = ErrorBody(error)
                        state.finishedAt = Date()
                    }
                    FleetMetrics.jobEnded(state: "failed", code: error.code.rawValue, duration: .zero)
                    logger.error("job dead-lettered: its deliveries ran out", metadata: ["error": "\(error)"])
                } catch let elsewhere as JobEndedElsewhere {
                    ended = elsewhere.state
                }
            }
            if try await !reporter.isAnnounced(ended) {
                if ended.state == .failed {
                    try await publishDeadLetter(
                        payload: message.payload,
                        jobID: jobID,
                        error: OCRError(ended.error?.code ?? .workerLost, ended.error?.message ?? "deliveries ran out"),
                        attempts: deliveries,
                        firstAttemptAt: nil,
                        sequence: sequence,
                        logger: logger
                    )
                }
                try await reporter.announce(ended)
            }
            try await patience.run("delete an undelivered job", logger: logger) {
                do {
                    try await jobs.delete(sequence)
                } catch {
                    // Gone already (another handler, or a delete whose answer was lost) is done.
                    if try await jobs.message(at: sequence) != nil { throw error }
                }
            }
            return true
        } catch {
            logger.error("cannot end an undeliverable job yet; it stays in OCR_JOBS", metadata: ["error": "\(error)"])
            return false
        }
    }
}
