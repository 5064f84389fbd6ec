import Foundation
import OCRFleetModel

extension NATSConnection {
    /// Publishes a job request on `ocr.jobs`; its CloudEvent id is the `Nats-Msg-Id`, so the
    /// stream drops a repeat.
    public func publish(_ event: JobEvent) async throws {
        try await publish(
            Subjects.jobs,
            payload: try [UInt8](CloudEventCoding.encoder().encode(event)),
            headers: ["Content-Type": CloudEventCoding.contentType],
            messageID: event.id
        )
    }
}
