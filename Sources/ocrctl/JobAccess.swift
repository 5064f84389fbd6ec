import ArgumentParser
import Foundation
import OCRFleetAPI
import OCRFleetBus
import OCRFleetClient
import OCRFleetModel

/// How `ocrctl` reaches jobs: through the gateway, or with `--nats` straight to the bus (the
/// `ocr-jobs` bucket and `ocr.jobs`), as upstream services do.
protocol JobAccess: Sendable {
    func state(_ id: String) async throws -> JobState
    /// Asks for the job to stop; returns its state when asked.
    func cancel(_ id: String) async throws -> JobState.Phase
}

extension GatewayClient: JobAccess {
    func cancel(_ id: String) async throws -> JobState.Phase {
        let state: Components.Schemas.Phase = try await cancel(id)
        return JobState.Phase(rawValue: state.rawValue) ?? .queued
    }
}

/// The bus itself: state from KV, cancel as the gateway does it, jobs published on `ocr.jobs`.
struct BusJobs: JobAccess {
    let connection: NATSConnection
    let states: JobStateStore

    static func connect(_ nats: NATSOptions) async throws -> BusJobs {
        let connection = try await nats.connect(name: "ocrctl")
        do {
            return BusJobs(connection: connection, states: try await JobStateStore(connection: connection))
        } catch {
            throw CommandFailure(
                "this NATS has no fleet yet (\(error)): a gateway or a worker creates its streams and bucket when it starts"
            )
        }
    }

    func state(_ id: String) async throws -> JobState {
        guard let state = try await states.get(id) else { throw CommandFailure("no job \(id)") }
        return state
    }

    func cancel(_ id: String) async throws -> JobState.Phase {
        let state = try await state(id)
        guard !state.state.isTerminal else { throw CommandFailure("job \(id) is already \(state.state.rawValue)") }
        try await states.requestCancel(id)
        try connection.publishCore(Subjects.cancel(jobID: id), payload: [])
        try await connection.flush()
        return state.state
    }

    /// Records the job as queued and publishes it, as the gateway does.
    func submit(_ job: JobRequest) async throws {
        try await states.recordQueued(job)
        try await connection.publish(JobEvent.request(job, source: "urn:ocrfleet:ocrctl"))
    }
}

/// A command that ran and failed (exit 1, no usage text): what went wrong, in a sentence.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `--nats`, for commands that can use the bus instead of the gateway.
struct BusOption: ParsableArguments {
    @Option(name: .customLong("nats"), help: "Talk to NATS at this URL instead of the gateway.")
    var url: String?

    var options: NATSOptions? {
        guard let url else { return nil }
        var options = NATSOptions()
        options.url = url
        return options
    }
}

/// One JSON object on a line of standard output, keys sorted, for scripts (a state in the
/// gateway's encoding).
func printJSON(_ value: some Encodable) {
    guard let data = try? CloudEventCoding.encoder().encode(value) else { return }
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}
