import Logging
import OCRFleetBus
import OCRFleetDeepSeek
import OCRFleetModel

extension JobRunner {
    /// A job that asks for DeepSeek-OCR but came on a route CPU-only workers take (from a
    /// publisher that named no lane, or one that routed it by hand) goes to its lane's GPU
    /// route (its tenant's, when it came on a tenant's) unless this worker can run it now: only workers with a healthy vLLM server pull
    /// there, so the job is neither failed nor charged a delivery for a worker's want of a
    /// GPU. Called once the job is known to be neither ended nor cancelled. Returns whether
    /// the message was handed on (and acknowledged). Bus trouble is waited out, as for any
    /// bus call; past that the message is left for redelivery (its heartbeat stops with this
    /// attempt), not NAKed, so the job is charged no failure.
    func handedToGPU(_ message: JetStreamMessage, _ event: JobEvent, logger: Logger) async -> Bool {
        let route = JobRoute(event.data.options)
        let target = route.subject(tenant: JobRoute.tenantRoute(of: message.subject)?.tenant)
        guard route.needsGPU, message.subject != target, engines.deepseek?.isHealthy != true else { return false }
        // The publisher's own JetStream headers (its message id, expected stream or sequence)
        // are not the copy's.
        let headers = message.headers.filter { !$0.key.lowercased().hasPrefix("nats-") }
        do {
            try await patience.run("hand the job to \(target)", logger: logger) {
                // Its own id: the stream would drop the first id as a repeat for ten minutes.
                try await nats.publish(target, payload: message.payload, headers: headers, messageID: "\(event.id).gpu")
            }
            try await message.ack()
            logger.info("job needs a GPU: handed to \(target)")
        } catch {
            logger.error("could not hand the job to \(target); left for redelivery", metadata: ["error": "\(error)"])
        }
        return true
    }
}
