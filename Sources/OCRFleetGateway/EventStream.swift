import Foundation
import HTTPTypes
import OCRFleetAPI
import OCRFleetBus
import OCRFleetModel
import OpenAPIRuntime

extension Gateway {
    /// After this long without an event, the replay of a job that had already ended is over.
    static let replayIdle = Duration.seconds(1)

    /// `GET /v1/jobs/{id}/events`: server-sent events. The job's history is replayed from
    /// `OCR_EVENTS`, then its events follow live, until the one that ends the job
    /// (`completed`, `cancelled`, or `failed` without a retry); then the stream ends. Each
    /// event is `id:` (its CloudEvent id), `event:` (its kind) and `data:` (the CloudEvent);
    /// a `: keep-alive` comment goes out after each `OCR_SSE_KEEPALIVE_S` without one. Events
    /// name the job by the caller's id. A tenant holds at most `OCR_MAX_EVENT_STREAMS` at once.
    public func followJob(_ input: Operations.FollowJob.Input) async throws -> Operations.FollowJob.Output {
        let (busID, state) = try await ownedJob(input.path.id)
        guard let slot = eventStreams.take(try Caller.required().tenant ?? "") else {
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
        let stream = EventStreamSession(
            subscription: subscription,
            jobID: state.jobID,
            // A job that has ended may have outlived its events (kept 7 days): the replay ends
            // when it falls quiet.
            replayIdle: state.state.isTerminal ? Self.replayIdle : nil,
            keepAlive: configuration.eventsKeepAlive,
            clock: configuration.clock,
            slot: slot
        )
        return .ok(
            .init(
                headers: .init(cacheControl: "no-cache", xAccelBuffering: "no"),
                body: .textEventStream(HTTPBody(stream.bytes, length: .unknown, iterationBehavior: .single))
            )
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
