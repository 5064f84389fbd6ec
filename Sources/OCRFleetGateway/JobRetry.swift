import Foundation
import HTTPTypes
import Logging
import OCRFleetAPI
import OCRFleetBus
import OCRFleetContent
import OCRFleetModel

extension Gateway {
    /// `POST /v1/jobs/{id}/retry`: a failed job's dead letter replayed, with every URL of the
    /// job that names the caller's part of this gateway's store signed afresh. Only the gateway
    /// can sign those, so this is how an uploaded job whose URLs expired runs again. Of two
    /// retries at once one replays; the other finds the job queued (409).
    public func retryJob(_ input: Operations.RetryJob.Input) async throws -> Operations.RetryJob.Output {
        let (busID, state) = try await ownedJob(input.path.id)
        let caller = try Caller.required()
        guard state.state == .failed else { throw RetryRefusal.jobNotFailed(state.jobID, state.state) }
        try await checkBacklog()
        try await checkTenantQueue(caller.tenant)
        let queue = DeadLetterQueue(connection: nats, states: try streams.states())
        let found: DeadLetterEntry?
        do {
            found = try await queue.find(busID)
        } catch {
            throw Self.retryUnavailable(logger, "cannot read the dead letters", busID, error)
        }
        guard let letter = found else {
            // A retry that came first deletes the letter after queueing the job: then that is the answer.
            if let now = try? await streams.states().get(busID)?.state, now != .failed {
                throw RetryRefusal.jobNotFailed(state.jobID, now)
            }
            throw RetryRefusal.noDeadLetter(state.jobID)
        }
        let urls = try freshURLs(of: letter.event.data, jobID: state.jobID, caller: caller)
        do {
            try await queue.replay(letter, replacingURLs: urls)
        } catch ReplayRefusal.jobNotFailed(_, let now) {
            throw RetryRefusal.jobNotFailed(state.jobID, now)
        } catch ReplayRefusal.notAJob {
            throw RetryRefusal.noDeadLetter(state.jobID)
        } catch {
            throw Self.retryUnavailable(logger, "cannot replay a dead letter", busID, error)
        }
        logger.info("job retried", metadata: ["job_id": "\(busID)", "resigned": "\(urls.keys.map(\.rawValue).sorted())"])
        return .accepted(.init(body: .json(.init(jobID: state.jobID, state: .queued, base: configuration.publicURL))))
    }

    /// New URLs, with this gateway's lifetime, for each of the job's URLs that names an object
    /// under the caller's part of the store (a source is read, results written, as before).
    /// Any other URL stays as it is, unless it is presigned and has expired: the job would
    /// only fail again, and it is not this gateway's to sign.
    func freshURLs(
        of letter: DeadLetter,
        jobID: String,
        caller: Caller
    ) throws(RetryRefusal)
        -> [JobURLField: String]
    {
        let now = Date()
        var fresh: [JobURLField: String] = [:]
        for (field, url) in letter.jobURLs {
            if let key = store.key(of: url), LocalStore.isValidKey(key), key.hasPrefix(caller.storeKey("")) {
                fresh[field] = store.presignedURL(field.isWritten ? .put : .get, key: key, lifetime: configuration.urlLifetime)
            } else if let expiry = PresignedURL.expiry(of: url), expiry < now {
                throw RetryRefusal.urlExpired(jobID, field, expiry)
            }
        }
        return fresh
    }

    static func retryUnavailable(_ logger: Logger, _ what: String, _ jobID: String, _ error: any Error) -> APIError {
        logger.error("\(what)", metadata: ["job_id": "\(jobID)", "error": "\(error)"])
        return APIError(.serviceUnavailable, code: "unavailable", "the job cannot be retried now; try again")
    }
}
