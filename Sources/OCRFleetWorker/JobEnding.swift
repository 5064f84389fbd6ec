import Foundation
import Logging
import OCRFleetBus
import OCRFleetMetrics
import OCRFleetModel

/// One delivery being settled: its message, the reporter of its attempt, its log context and
/// when it began.
struct AttemptEnd: Sendable {
    let message: JetStreamMessage
    let reporter: LifecycleReporter
    let logger: Logger
    let began: ContinuousClock.Instant

    var jobID: String { reporter.header.jobID }
}

/// How a job ends.
enum JobEnding: Sendable {
    case completed(JobCompleted)
    case failed(OCRError)
    case cancelled
}

/// Ending jobs exactly once. An end is recorded in the job's state by compare-and-set (the
/// commit point: of two attempts, or an attempt and the dead-lettering of its message, the
/// first to record wins and the other finds the job ended), then announced by its terminal
/// event under a deterministic id, then the message is settled. A crash, a cancelled task or
/// a bus outage between the steps leaves a recorded end that the next delivery finds and
/// finishes: it announces the end if `OCR_EVENTS` does not have it yet, and settles.
extension JobRunner {
    /// Records `ending`, dead-letters a failure, announces the end and settles the message.
    func end(_ attempt: AttemptEnd, _ ending: JobEnding) async {
        let reporter = attempt.reporter
        let ended: JobState
        do {
            ended = try await reporter.updateState { state in
                state.finishedAt = Date()
                switch ending {
                case .completed(let completion):
                    state.state = .completed
                    state.pagesDone = completion.pages
                    state.result = completion.result
                    state.completion = completion
                    state.review = completion.review.map { JobReviewStatus(needsReview: $0.needsReview, open: $0.items, items: $0.items) }
                    state.error = nil
                case .failed(let error):
                    state.state = .failed
                    state.error = ErrorBody(error)
                    state.failedAttempts = (state.failedAttempts ?? 0) + (error.code == .workerLost ? 0 : 1)
                case .cancelled:
                    state.state = .cancelled
                }
            }
        } catch let elsewhere as JobEndedElsewhere {
            attempt.logger.notice(
                "another attempt ended the job first",
                metadata: ["state": "\(elsewhere.state.state.rawValue)"]
            )
            await finishEnded(attempt, elsewhere.state)
            return
        } catch {
            // The bus stayed away past patience: nothing is recorded, so the redelivery runs it again.
            attempt.logger.error("cannot record the job's end; left for redelivery", metadata: ["error": "\(error)"])
            return
        }
        if configuration.faults.fires(.exitAfterEndWrite) { _exit(70) }
        switch ending {
        case .completed(let completion):
            FleetMetrics.jobEnded(state: "completed", duration: .now - attempt.began)
            attempt.logger.info(
                "job completed",
                metadata: ["pages": "\(completion.pages)", "duration_ms": "\(completion.durationMs)"]
            )
        case .failed(let error):
            FleetMetrics.jobEnded(state: "failed", code: error.code.rawValue, duration: .now - attempt.began)
            attempt.logger.warning("job failed for good", metadata: ["error": "\(error)"])
        case .cancelled:
            FleetMetrics.jobEnded(state: "cancelled", duration: .now - attempt.began)
        }
        await announceAndSettle(attempt, ended)
    }

    /// A failed attempt: retried (the failure counted against `OCR_MAX_DELIVER`) or, when
    /// the failure is permanent or the budget spent, the job's end.
    func fail(_ attempt: AttemptEnd, error: OCRError) async {
        let reporter = attempt.reporter
        let failures = (await reporter.current?.failedAttempts ?? 0) + 1
        let delivery = attempt.message.delivery.numDelivered
        guard retry.willRetry(afterFailures: failures, delivery: delivery, retryable: error.code.isRetryable) else {
            await end(attempt, .failed(error))
            return
        }
        FleetMetrics.attemptRetried(code: error.code.rawValue)
        attempt.logger.warning("job attempt failed; will retry", metadata: ["error": "\(error)"])
        do {
            try await reporter.updateState { state in
                state.state = .retrying
                state.error = ErrorBody(error)
                state.failedAttempts = (state.failedAttempts ?? 0) + 1
            }
            try await reporter.publish(.failed(JobFailed(error: ErrorBody(error), willRetry: true)))
            try await attempt.message.nak(delay: retry.delay(afterFailures: failures))
        } catch let elsewhere as JobEndedElsewhere {
            await finishEnded(attempt, elsewhere.state)
        } catch {
            attempt.logger.error("cannot report the failure; left for redelivery", metadata: ["error": "\(error)"])
        }
    }

    /// A job found ended (by this worker earlier, or another): its end is announced if it
    /// never was, and the message settled, without running the job again.
    func finishEnded(_ attempt: AttemptEnd, _ ended: JobState) async {
        do {
            if try await attempt.reporter.isAnnounced(ended) {
                await release(attempt, ended)
                return
            }
        } catch {
            attempt.logger.error("cannot tell whether the job's end was announced; left for redelivery", metadata: ["error": "\(error)"])
            return
        }
        attempt.logger.notice("announcing an end recorded earlier", metadata: ["state": "\(ended.state.rawValue)"])
        await announceAndSettle(attempt, ended)
    }

    /// Dead-letters a failed job (first: on a work-queue stream settling it deletes the job),
    /// publishes its terminal event, and settles the message.
    private func announceAndSettle(_ attempt: AttemptEnd, _ ended: JobState) async {
        do {
            if ended.state == .failed {
                let delivery = attempt.message.delivery
                try await publishDeadLetter(
                    payload: attempt.message.payload,
                    jobID: attempt.jobID,
                    error: OCRError(ended.error?.code ?? .internal, ended.error?.message ?? "failed"),
                    attempts: delivery.numDelivered,
                    firstAttemptAt: delivery.timestamp,
                    sequence: delivery.streamSequence,
                    logger: attempt.logger
                )
            }
            try await attempt.reporter.announce(ended)
        } catch {
            attempt.logger.error("cannot announce the job's end; left for redelivery", metadata: ["error": "\(error)"])
            return
        }
        await release(attempt, ended)
    }

    /// Acks an ended job (tried again through bus trouble: acking twice is harmless), or
    /// terminates a failed one (which deletes it from `OCR_JOBS`). A lost ack costs a
    /// redelivery, which finds the job ended and settles it again.
    private func release(_ attempt: AttemptEnd, _ ended: JobState) async {
        do {
            if ended.state == .failed {
                try await attempt.message.term()
            } else {
                try await patience.run("acknowledge", logger: attempt.logger) { try await attempt.message.ack() }
            }
        } catch {
            attempt.logger.warning("cannot settle an ended job's message", metadata: ["error": "\(error)"])
        }
    }

    /// Publishes the job's dead letter; `Nats-Msg-Id` = `dlq-<stream sequence>`, so a repeat
    /// (another worker, a retried publish) is stored once.
    func publishDeadLetter(
        payload: [UInt8],
        jobID: String,
        error: OCRError,
        attempts: Int,
        firstAttemptAt: Date?,
        sequence: UInt64,
        logger: Logger
    ) async throws {
        let letter = DeadLetter(
            originalPayload: payload,
            jobID: jobID.hasPrefix("unknown-") ? nil : jobID,
            error: error,
            attempts: attempts,
            firstAttemptAt: firstAttemptAt,
            lastAttemptAt: Date(),
            streamSequence: sequence
        )
        let event = CloudEvent(
            source: "urn:ocrfleet:worker:\(configuration.workerName)",
            type: EventTypes.deadLettered,
            subject: letter.jobID,
            data: letter
        )
        let bytes = try [UInt8](CloudEventCoding.encoder().encode(event))
        try await patience.run("publish the dead letter", logger: logger) {
            try await nats.publish(
                Subjects.deadLetters,
                payload: bytes,
                headers: ["Content-Type": CloudEventCoding.contentType],
                messageID: "dlq-\(sequence)"
            )
        }
    }
}
