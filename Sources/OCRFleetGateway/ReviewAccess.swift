import HTTPTypes
import OCRFleetBus
import OCRFleetReview
import Synchronization

/// The review store and desk, once the review streams and buckets are in place (after the job
/// streams); until then the review routes answer 503.
final class ReviewAccess: Sendable {
    private let ready = Mutex<(store: ReviewStore, desk: ReviewDesk)?>(nil)

    func open(store: ReviewStore, desk: ReviewDesk) { ready.withLock { $0 = (store, desk) } }

    var isReady: Bool { ready.withLock { $0 != nil } }

    func store() throws(APIError) -> ReviewStore { try opened().store }

    func desk() throws(APIError) -> ReviewDesk { try opened().desk }

    private func opened() throws(APIError) -> (store: ReviewStore, desk: ReviewDesk) {
        guard let opened = ready.withLock({ $0 }) else {
            throw APIError(.serviceUnavailable, code: "unavailable", "the review streams are not ready yet; try again")
        }
        return opened
    }
}
