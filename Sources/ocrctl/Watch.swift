import ArgumentParser
import Foundation
import OCRFleetBus
import OCRFleetModel

/// Prints one job's events from its first to its last, then exits: 0 when it completed,
/// 1 when it failed for good or was cancelled, so scripts can wait on a job.
struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a job's events, its history then live, until the job ends; exit 0 if it completed."
    )

    @OptionGroup var nats: NATSOptions
    @Argument(help: "The job's id.") var id: String
    @Flag(help: "Print each event's JSON as received.") var json = false

    func run() async throws {
        guard JobRequest.isValidJobID(id) else { throw ValidationError("'\(id)' is not a valid job id") }
        let connection = try await nats.connect(name: "ocrctl watch")
        let state = try await JobStateStore(connection: connection).get(id)
        let subscription = try await CoreSubscription(
            replaying: StreamNames.events,
            subject: Subjects.events(jobID: id),
            connection: connection
        )
        // A job that has already ended may have outlived its events: stop when the replay is over.
        let watch = state?.state.isTerminal == true ? subscription.endWhenQuiet(for: .seconds(1)) : nil
        defer { watch?.stop() }
        var last: LifecycleData.Body?
        for await message in subscription {
            watch?.heard()
            guard let event = try? LifecycleEvent.decode(message.payload) else { continue }
            let line = json ? String(decoding: message.payload, as: UTF8.self) : Events.line(event)
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
            last = event.data.body
            if event.data.body.endsJob { break }
        }
        subscription.cancel()
        try await connection.drain()
        let completed: Bool
        if let last {
            if case .completed = last { completed = true } else { completed = false }
        } else if let state, state.state.isTerminal {
            completed = state.state == .completed
        } else {
            throw ValidationError("no events for job \(id)")
        }
        if !completed { throw ExitCode(1) }
    }
}
