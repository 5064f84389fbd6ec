import AsyncHTTPClient
import Foundation
import NIOCore
import OCRFleetModel

/// A consumer as the server's monitoring endpoint tells it (`/jsz?acc=$G&consumers=true`),
/// as KEDA's scaler and an operator read it.
public struct ConsumerCounts: Sendable, Equatable {
    /// Whether its consumers hold exactly `count` messages and none is left to deliver.
    public func holdsAll(_ count: Int) -> Bool { pending == 0 && ackPending == count }

    /// Jobs not delivered yet.
    public var pending: Int
    /// Jobs delivered and neither acked, nacked nor terminated yet.
    public var ackPending: Int
    /// Deliveries made, first ones and repeats.
    public var delivered: Int = 0

    public init(pending: Int, ackPending: Int, delivered: Int = 0) {
        self.pending = pending
        self.ackPending = ackPending
        self.delivered = delivered
    }
}

extension NATSServerProcess {
    /// The consumers of `stream` by name, durable and ephemeral.
    public func consumers(of stream: String) async throws -> [String: ConsumerCounts] {
        guard let monitoringPort else { throw TestEnvironmentError("this server has no monitoring port") }
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(monitoringPort)/jsz?acc=$G&consumers=true&config=true"),
            timeout: .seconds(10)
        )
        let body = try await response.body.collect(upTo: 8 << 20)
        let document = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        let accounts = document?["account_details"] as? [[String: Any]]
        let account = accounts?.first { $0["name"] as? String == "$G" }
        let streams = account?["stream_detail"] as? [[String: Any]]
        let detail = streams?.first { $0["name"] as? String == stream }
        var consumers: [String: ConsumerCounts] = [:]
        for consumer in detail?["consumer_detail"] as? [[String: Any]] ?? [] {
            guard let name = consumer["name"] as? String else { continue }
            consumers[name] = ConsumerCounts(
                pending: consumer["num_pending"] as? Int ?? 0,
                ackPending: consumer["num_ack_pending"] as? Int ?? 0,
                delivered: (consumer["delivered"] as? [String: Any])?["consumer_seq"] as? Int ?? 0
            )
        }
        return consumers
    }

    /// How many subscriptions a message published on `subject` would reach now.
    public func subscriptions(reaching subject: String) async throws -> Int {
        guard let monitoringPort else { throw TestEnvironmentError("this server has no monitoring port") }
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(monitoringPort)/subsz?subs=1&test=\(subject)"),
            timeout: .seconds(10)
        )
        let body = try await response.body.collect(upTo: 8 << 20)
        let document = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        return document?["total"] as? Int ?? 0
    }

    public func workerConsumerCounts() async throws -> ConsumerCounts {
        guard let counts = try await consumers(of: StreamNames.jobs)[StreamNames.workerConsumer] else {
            throw TestEnvironmentError("the server does not list the consumer \(StreamNames.workerConsumer)")
        }
        return counts
    }
}
