import ArgumentParser
import Foundation
import OCRFleetBus
import OCRFleetContent
import OCRFleetModel

/// `ocrctl dlq …`: the dead letters kept in `OCR_DLQ`, straight from NATS.
struct DeadLetters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "List, show, replay or purge dead-lettered jobs.",
        subcommands: [List.self, Show.self, Replay.self, Purge.self]
    )

    static func queue(_ nats: NATSOptions) async throws -> (DeadLetterQueue, NATSConnection) {
        let connection = try await nats.connect(name: "ocrctl dlq")
        return (DeadLetterQueue(connection: connection, states: try await JobStateStore(connection: connection)), connection)
    }

    static func line(_ entry: DeadLetterEntry) -> String {
        let letter = entry.event.data
        return [
            "\(entry.sequence)", letter.jobID ?? "-", letter.error.code.rawValue, "attempts=\(letter.attempts)",
            Timestamp.format(letter.lastAttemptAt), "\"\(letter.error.message)\"",
        ].joined(separator: " ")
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One line per dead letter: sequence, job id, error code, attempts, last attempt, message."
        )

        @OptionGroup var nats: NATSOptions
        @Option(help: "Only dead letters with this error code.") var code: String?
        @Flag(help: "Print each dead letter as a JSON line: {\"sequence\", \"event\"}.") var json = false

        /// A line of `--json`.
        struct Line: Encodable {
            var sequence: UInt64
            var event: CloudEvent<DeadLetter>
        }

        func run() async throws {
            let (queue, connection) = try await DeadLetters.queue(nats)
            for entry in try await queue.list() where code == nil || entry.event.data.error.code.rawValue == code {
                if json {
                    printJSON(Line(sequence: entry.sequence, event: entry.event))
                } else {
                    print(DeadLetters.line(entry))
                }
            }
            try await connection.drain()
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a dead letter whole, as JSON (always).")

        @OptionGroup var nats: NATSOptions
        @Argument(help: "Job id, or the dead letter's sequence number.") var id: String

        func run() async throws {
            let (queue, connection) = try await DeadLetters.queue(nats)
            let found = try await queue.find(id)
            try await connection.drain()
            guard let entry = found else { throw ValidationError("no dead letter for \(id)") }
            let encoder = CloudEventCoding.encoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(entry.event), as: UTF8.self))
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish dead-lettered jobs again (with a new CloudEvent id) and remove their dead letters."
        )

        @OptionGroup var nats: NATSOptions
        @Argument(help: "Job id or sequence number (or --all).") var id: String?
        @Flag(help: "Every dead letter (with --filter, those with that error code).") var all = false
        @Option(help: "With --all: only dead letters with this error code.") var filter: String?
        @Option(help: "The replayed jobs' lane (default batch, so that people's own uploads go first).")
        var priority: JobPriority = .batch
        @Flag(help: "Print a JSON line per dead letter: {\"job_id\", \"event_id\"} or {\"job_id\", \"error\"}.")
        var json = false
        @Flag(help: "Replay letters whose presigned URLs have expired too (their jobs will fail again).")
        var force = false

        func validate() throws {
            guard (id == nil) == all else { throw ValidationError("give a job id or --all, not both") }
        }

        func run() async throws {
            let (queue, connection) = try await DeadLetters.queue(nats)
            var entries: [DeadLetterEntry]
            if let id {
                guard let entry = try await queue.find(id) else { throw ValidationError("no dead letter for \(id)") }
                entries = [entry]
            } else {
                entries = try await queue.list().filter { filter == nil || $0.event.data.error.code.rawValue == filter }
            }
            var failures = 0
            for entry in entries {
                let name = entry.event.data.jobID ?? "sequence \(entry.sequence)"
                do {
                    if !force, let expired = Self.expiredURL(of: entry) {
                        throw ValidationError(Self.refusal(name, expired, busID: entry.event.data.jobID))
                    }
                    let eventID = try await queue.replay(entry, lane: priority)
                    if json { printJSON(["job_id": name, "event_id": eventID]) } else { print("replayed \(name) as event \(eventID)") }
                } catch {
                    failures += 1
                    if json { printJSON(["job_id": name, "error": "\(error)"]) }
                    FileHandle.standardError.write(Data("not replayed: \(error)\n".utf8))
                }
            }
            try await connection.drain()
            if failures > 0 { throw ExitCode(1) }
        }

        /// The first of the letter's job URLs (source, result, layout, chunks) whose presigned expiry has passed.
        static func expiredURL(
            of entry: DeadLetterEntry,
            now: Date = Date()
        )
            -> (field: JobURLField, url: String, at: Date)?
        {
            for (field, url) in entry.event.data.jobURLs {
                if let expiry = PresignedURL.expiry(of: url), expiry < now { return (field, url, expiry) }
            }
            return nil
        }

        /// Why a letter with an expired URL is kept, and what to do instead: a URL a gateway
        /// signed is signed afresh by retrying the job through that gateway.
        static func refusal(
            _ name: String,
            _ expired: (field: JobURLField, url: String, at: Date),
            busID: String?
        )
            -> String
        {
            let what = "\(name): its \(expired.field.rawValue) URL expired at \(expired.at.formatted(.iso8601)), so the job would fail again"
            if let busID, let signed = GatewaySignedURL(expired.url, busID: busID) {
                return
                    "\(what); a gateway signed it, so retry the job through the gateway, which signs fresh URLs (\(signed.retryCommand)), or replay with --force"
            }
            return "\(what); submit it with fresh URLs, or replay with --force"
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete every dead letter.")

        @OptionGroup var nats: NATSOptions
        @Flag(help: "Confirm: the dead letters cannot be recovered.") var yes = false
        @Flag(help: "Print {\"purged\": true} instead of a sentence.") var json = false

        func run() async throws {
            guard yes else { throw ValidationError("purging deletes every dead letter; add --yes to confirm") }
            let (queue, connection) = try await DeadLetters.queue(nats)
            try await queue.purge()
            try await connection.drain()
            if json { printJSON(["purged": true]) } else { print("dead letters purged") }
        }
    }
}
