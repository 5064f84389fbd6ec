import Logging
import OCRFleetReview
import ServiceLifecycle

/// Every `OCR_REVIEW_SWEEP_S`: settles the review lanes where items were decided after a
/// claim by id, and finishes the reviews whose last decision was recorded but whose version
/// was not stored and announced (the replica that took it stopped, storing the version
/// failed, or the job had not completed yet). Every replica sweeps: both are safe to repeat.
struct ReviewFinishing: Service {
    let gateway: Gateway

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    try await gateway.configuration.clock.sleep(for: gateway.configuration.reviewSweep)
                    await sweep()
                }
            }
        } catch  where Task.isShuttingDownGracefully || Task.isCancelled {
            // Stopping: the next replica's sweep finishes what this one did not.
        }
    }

    func sweep() async {
        guard gateway.reviews.isReady, let desk = try? gateway.reviews.desk() else { return }
        do {
            let (finished, failed) = try await desk.finishEveryPending()
            for jobID in finished {
                gateway.logger.notice("finished a review left unannounced", metadata: ["job_id": "\(jobID)"])
            }
            for (jobID, error) in failed {
                gateway.logger.warning("could not finish a review; trying at the next sweep", metadata: ["job_id": "\(jobID)", "error": "\(error)"])
            }
        } catch {
            gateway.logger.warning("could not list the reviews to finish; trying at the next sweep", metadata: ["error": "\(error)"])
        }
    }
}
