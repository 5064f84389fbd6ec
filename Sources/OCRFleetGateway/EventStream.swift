import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OCRFleetBus
import OCRFleetModel

extension Gateway {
    /// After this long without an event, the replay of a job that had already ended is over.
    static let replayIdle = Duration.seconds(1)

    /// `GET /v1/jobs/{id}/events`: server-sent events. The job's history is replayed from
    /// `OCR_EVENTS`, then its events follow live, until the one that ends the job
    /// (`completed`, `cancelled`, or `failed` without a retry); then the stream ends. Each
    /// event is `id:` (its CloudEvent id), `event:` (its kind) and `data:` (the CloudEvent);
    /// a `: keep-alive` comment goes out after each `OCR_SSE_KEEPALIVE_S` without one. Events
    /// name the job by the caller's id. A tenant holds at most `OCR_MAX_EVENT_STREAMS` at once.
    func events(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let (busID, state) = try await ownedJob(context)
        guard let slot = eventStreams.take(try context.requireCaller().tenant ?? "") else {
            throw APIError(
                .tooManyRequests,
                code: "too_many_streams",
                "\(eventStreams.limit) event streams are open for this tenant; close one first",
                retryAfter: .seconds(1)
            )
        }
        let subscription: CoreSubscription
        do {
            subscription = try await CoreSubscription(
                replaying: StreamNames.events,
                subject: Subjects.events(jobID: busID),
                connection: nats
            )
        } catch {
            throw APIError(.serviceUnavailable, code: "unavailable", "the job's events cannot be read; try again")
        }
        // A job that has ended may have outlived its events (kept 7 days): the replay ends
        // when it falls quiet.
        let watchdog = state.state.isTerminal ? subscription.endWhenQuiet(for: Self.replayIdle) : nil
        let keepAlive = configuration.eventsKeepAlive
        let body = ResponseBody { writer in
            // Events and keep-alive comments meet in one stream, so only this task writes.
            let (outbox, post) = AsyncStream.makeStream(of: String?.self)
            let forward = Task {
                for await message in subscription {
                    watchdog?.heard()
                    guard let event = try? LifecycleEvent.decode(message.payload) else { continue }
                    post.yield(Self.serverSentEvent(event, as: state.jobID, payload: message.payload))
                    if event.data.body.endsJob { break }
                }
                post.finish()
            }
            // A comment line now and then keeps proxies and load balancers from closing a
            // stream that waits long for its next event.
            let ticker = Task {
                while !Task.isCancelled {
                    try await Task.sleep(for: keepAlive)
                    post.yield(nil)
                }
            }
            defer {
                withExtendedLifetime(slot) {}
                forward.cancel()
                ticker.cancel()
                watchdog?.stop()
                subscription.cancel()
            }
            for await item in outbox {
                try await writer.write(ByteBuffer(string: item ?? ": keep-alive\n\n"))
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no"],
            body: body
        )
    }

    /// A job event as the tenant that submitted the job sees it, for webhooks: the bus's
    /// `<tenant>=<id>` told as `<id>` when the tenant is one of this gateway's. The payload is
    /// re-encoded only when the id changes.
    func tenantView(of event: LifecycleEvent, payload: [UInt8]) -> (event: LifecycleEvent, payload: [UInt8]) {
        let busID = event.data.header.jobID
        guard let separator = busID.firstIndex(of: Caller.separator),
            configuration.apiTokens.values.contains(String(busID[..<separator]))
        else { return (event, payload) }
        let renamed = event.renamingJob(to: String(busID[busID.index(after: separator)...]))
        return (renamed, (try? [UInt8](CloudEventCoding.encoder().encode(renamed))) ?? payload)
    }

    /// The event as an SSE message; told under `jobID` when the bus's id differs.
    static func serverSentEvent(_ event: LifecycleEvent, as jobID: String, payload: [UInt8]) -> String {
        var event = event
        var payload = payload
        if event.data.header.jobID != jobID {
            event = event.renamingJob(to: jobID)
            payload = (try? [UInt8](CloudEventCoding.encoder().encode(event))) ?? payload
        }
        let data = String(decoding: payload, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { "data: \($0)" }.joined(separator: "\n")
        return "id: \(event.id)\nevent: \(event.kind.rawValue)\n\(data)\n\n"
    }
}
