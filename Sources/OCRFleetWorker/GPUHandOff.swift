import Logging
import OCRFleetBus
import OCRFleetDeepSeek
import OCRFleetModel

extension JobRunner {
    /// A job that asks for DeepSeek-OCR but came on a route CPU-only workers take (from a
    /// publisher that named no lane, or one that routed it by hand) goes to its lane's GPU
    /// route unless this worker can run it now: only workers with a healthy vLLM server pull
    /// there, so the job is neither failed nor charged a delivery for a worker's want of a
    /// GPU. Returns whether the message was handed on (and acknowledged); a hand-off that
    /// fails leaves it to come back.
    func handedToGPU(_ message: JetStreamMessage, _ event: JobEvent, logger: Logger) async -> Bool {
        let route = JobRoute(event.data.options)
        guard route.needsGPU, message.subject != route.subject, engines.deepseek?.isHealthy != true else { return false }
        var headers = message.headers
        headers["Nats-Msg-Id"] = nil
        do {
            // Its own id: the stream would drop the first id as a repeat for ten minutes.
            try await nats.publish(route.subject, payload: message.payload, headers: headers, messageID: "\(event.id).gpu")
            try await message.ack()
            logger.info("job needs a GPU: handed to \(route.subject)")
        } catch {
            logger.warning("could not hand the job to \(route.subject); it comes back", metadata: ["error": "\(error)"])
            try? await message.nak(delay: .seconds(5))
        }
        return true
    }
}
