import Foundation
import OCRFleetModel

extension NATSConnection {
    /// Publishes a job request on its route's subject (`JobRoute`: its lane, and whether it
    /// needs a GPU), `tenant`'s own when one is named; its CloudEvent id is the `Nats-Msg-Id`,
    /// so the stream drops a repeat.
    public func publish(_ event: JobEvent, tenant: String? = nil) async throws {
        try await publish(
            JobRoute(event.data.options).subject(tenant: tenant),
            payload: try [UInt8](CloudEventCoding.encoder().encode(event)),
            headers: ["Content-Type": CloudEventCoding.contentType],
            messageID: event.id
        )
    }
}
