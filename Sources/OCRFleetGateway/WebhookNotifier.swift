import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import OCRFleetBus
import OCRFleetContent
import OCRFleetMetrics
import OCRFleetModel
import ServiceLifecycle

/// Webhook settings of the gateway (docs/api.md#webhooks).
public struct WebhookSettings: Sendable {
    /// HMAC-SHA256 key of the `OCRFleet-Signature` header; webhooks are off without one.
    public var secret: [UInt8]
    /// Deliveries of one event before it is given up on.
    public var attempts: Int
    /// First wait before a retry; each next one is four times longer, at most ten minutes.
    public var retryBase: Duration
    /// Hosts callback URLs may name (`OCR_WEBHOOK_ALLOW_HOSTS`); empty: any the egress
    /// policy lets through. It narrows `egress`, never widens it.
    public var allowedHosts: [String]
    /// What callbacks may reach besides public addresses (`OCR_EGRESS_ALLOW`).
    public var egress: [EgressRule]

    public init(
        secret: [UInt8],
        attempts: Int = 8,
        retryBase: Duration = .seconds(1),
        allowedHosts: [String] = [],
        egress: [EgressRule] = []
    ) {
        self.secret = secret
        self.attempts = attempts
        self.retryBase = retryBase
        self.allowedHosts = allowedHosts
        self.egress = egress
    }

    /// The check of a callback URL, at submission (`checkAllowList: true`) and on each delivery.
    var policy: EgressPolicy { EgressPolicy(allowed: egress, hosts: allowedHosts) }

    /// The wait before delivery `attempt + 1`: base × 4^(attempt - 1), at most ten minutes.
    func delay(after attempt: Int) -> Duration {
        min(retryBase * (1 << (2 * min(attempt - 1, 10))), .seconds(600))
    }

    /// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`: the time inside the signature lets
    /// a receiver refuse replays of old deliveries.
    func signature(of body: [UInt8], at time: Date) -> String {
        let timestamp = Int(time.timeIntervalSince1970)
        var message = Array("\(timestamp).".utf8)
        message += body
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return "t=\(timestamp),v1=\(code.hexString)"
    }
}

/// POSTs each job's last event (`completed`, `cancelled`, or `failed` without a retry), and
/// each `reviewed` event after it, to the job's `callback_url`, signed, retried with a growing wait. Every gateway replica runs
/// one on the shared durable consumer `ocr-webhooks`, so each event is delivered by one of
/// them and a replica that stops mid-delivery leaves the event to another.
struct WebhookNotifier: Service {
    let gateway: Gateway
    let settings: WebhookSettings
    static let concurrency = 16

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await deliverAll() }
        } catch  where Task.isShuttingDownGracefully {
            // Stopping: undelivered events stay with the consumer for another replica.
        }
    }

    private func deliverAll() async throws {
        let nats = gateway.nats
        let topology = FleetTopology(replicas: gateway.configuration.streamReplicas)
        let (consumer, states) = try await FleetTopology.untilReady(logger: gateway.logger, clock: gateway.configuration.clock) {
            let states = try gateway.streams.states()
            try await topology.ensureWebhookConsumer(on: nats, maxDeliver: settings.attempts)
            return (try await PullConsumer(connection: nats, binding: .webhooks), states)
        }
        // Redirects are not followed (a 3xx answer is a failed delivery): no hop escapes the policy.
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(15))
        let http = EgressHTTPClient(configuration: configuration)
        let slots = CapacityGate(slots: Self.concurrency)
        let messages = consumer.messages(clock: gateway.configuration.clock, batchSize: { await slots.waitForFree() })
        await withDiscardingTaskGroup { group in
            for await message in messages {
                slots.take()
                group.addTask {
                    defer { slots.put() }
                    await deliver(message, states: states, http: http)
                }
            }
        }
        try await http.shutdown()
    }

    func deliver(_ message: JetStreamMessage, states: JobStateStore, http: EgressHTTPClient) async {
        let logger = gateway.logger
        guard let busEvent = try? LifecycleEvent.decode(message.payload), Self.isPosted(busEvent) else {
            try? await message.ack()
            return
        }
        let jobID = busEvent.data.header.jobID
        // The receiver is the tenant's: it hears of the job under the tenant's own id.
        let (event, payload) = gateway.tenantView(of: busEvent, payload: message.payload)
        let url: String
        do {
            guard let callback = try await states.callback(of: jobID) else {
                try await message.ack()
                return
            }
            url = callback
        } catch {
            try? await message.nak(delay: settings.retryBase)
            return
        }
        let attempt = message.delivery.numDelivered
        do {
            try await post(payload, to: url, event: event, http: http)
            try await message.ack()
            FleetMetrics.webhook("delivered")
            logger.info("webhook delivered", metadata: ["job_id": "\(jobID)", "attempt": "\(attempt)"])
        } catch {
            let metadata: Logger.Metadata = ["job_id": "\(jobID)", "attempt": "\(attempt)", "error": "\(error)"]
            if attempt >= settings.attempts {
                logger.error("webhook given up after \(attempt) attempts", metadata: metadata)
                FleetMetrics.webhook("given_up")
                try? await message.term()
            } else {
                logger.warning("webhook failed; retrying", metadata: metadata)
                FleetMetrics.webhook("retried")
                try? await message.nak(delay: settings.delay(after: attempt))
            }
        }
    }

    /// The job's last event, and each `reviewed` after it: a review finished days later is
    /// news the receiver waits for too.
    static func isPosted(_ event: LifecycleEvent) -> Bool {
        event.data.body.endsJob || event.data.body.kind == .reviewed
    }

    struct DeliveryFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// Checks the callback again (the name may resolve elsewhere by now, the settings may have
    /// changed since submission) and POSTs to the address just checked.
    func post(_ body: [UInt8], to url: String, event: LifecycleEvent, http: EgressHTTPClient) async throws {
        let destination = try await settings.policy.check(url, checkAllowList: true)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: CloudEventCoding.contentType)
        request.headers.add(name: "OCRFleet-Signature", value: settings.signature(of: body, at: Date()))
        request.headers.add(name: "OCRFleet-Event", value: event.data.body.kind.rawValue)
        request.headers.add(name: "OCRFleet-Delivery", value: event.id)
        request.headers.add(name: "OCRFleet-Job-Id", value: event.data.header.jobID)
        request.body = .bytes(ByteBuffer(bytes: body))
        let status = try await http.execute(request, to: destination, deadline: .now() + .seconds(15)) { response in
            _ = try? await response.body.collect(upTo: 64 << 10)
            return response.status
        }
        guard (200..<300).contains(status.code) else {
            throw DeliveryFailure(description: "the receiver answered HTTP \(status.code)")
        }
    }
}
