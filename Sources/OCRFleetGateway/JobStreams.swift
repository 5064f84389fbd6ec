import HTTPTypes
import OCRFleetBus
import Synchronization

/// The job-state bucket, once the streams are in place. The gateway listens before then so
/// `/healthz` answers while a cluster elects its leaders; until they are ready `/readyz` and
/// the job routes answer 503.
final class JobStreams: Sendable {
    private let ready = Mutex<JobStateStore?>(nil)

    var isReady: Bool { ready.withLock { $0 != nil } }

    func open(_ states: JobStateStore) { ready.withLock { $0 = states } }

    /// The bucket, or a 503 the client may retry.
    func states() throws(APIError) -> JobStateStore {
        guard let states = ready.withLock({ $0 }) else {
            throw APIError(.serviceUnavailable, code: "unavailable", "the job streams are not ready yet; try again")
        }
        return states
    }
}
