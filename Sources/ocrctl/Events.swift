import ArgumentParser
import Foundation
import Logging
import OCRFleetBus
import OCRFleetModel

struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow lifecycle events on ocr.events.> and print one line per event."
    )

    @OptionGroup var nats: NATSOptions
    @Option(help: "Only this job's events.") var job: String?
    @Option(help: "Only events of this kind.") var kind: EventKind?
    @Flag(help: "Print each event's JSON as received.") var json = false

    func run() async throws {
        let connection = try await nats.connect(name: "ocrctl events")
        let subject = "ocr.events.\(kind?.rawValue ?? "*").\(job ?? ">")"
        let subscription = try CoreSubscription(connection: connection, subject: subject)
        for await message in subscription {
            let line: String
            if json {
                line = String(decoding: message.payload, as: UTF8.self)
            } else if let event = try? LifecycleEvent.decode(message.payload) {
                line = Self.line(event)
            } else {
                line = "\(message.subject) (not a lifecycle event)"
            }
            // Unbuffered, so a pipe (`ocrctl events | grep …`) sees each event at once.
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }

    static func line(_ event: LifecycleEvent) -> String {
        let header = event.data.header
        let time = event.time.map(Timestamp.format) ?? "-"
        let detail: String
        switch event.data.body {
        case .started(let started):
            detail = "format=\(started.format ?? "?") pages=\(started.pagesTotal.map(String.init) ?? "?") engine=\(started.engine)"
        case .progress(let progress):
            detail = "pages=\(progress.pagesDone)/\(progress.pagesTotal)"
        case .completed(let completed):
            detail = "pages=\(completed.pages) failed=\(completed.pagesFailed) bytes=\(completed.result.bytes) duration_ms=\(completed.durationMs)"
        case .failed(let failed):
            detail = "code=\(failed.error.code.rawValue) will_retry=\(failed.willRetry) message=\"\(failed.error.message)\""
        case .cancelled:
            detail = ""
        case .reviewed(let reviewed):
            detail =
                "version=\(reviewed.version) items=\(reviewed.items) confirmed=\(reviewed.confirmed) corrected=\(reviewed.corrected) rejected=\(reviewed.rejected)"
        }
        return "\(time) \(event.kind.rawValue) \(header.jobID) attempt=\(header.attempt) worker=\(header.worker) \(detail)"
    }
}

extension EventKind: ExpressibleByArgument {}

/// Where NATS is, for the commands that talk to it directly; the flag overrides `OCR_NATS_URL`.
struct NATSOptions: ParsableArguments {
    @Option(name: .customLong("nats"), help: "NATS URL(s) (env OCR_NATS_URL, default nats://127.0.0.1:4222).")
    var url: String?

    /// The user comes from the shared `OCR_NATS_*` variables (on a fleet with per-user
    /// permissions: the operator's user and inbox prefix, docs/operations.md).
    func connect(name: String) async throws -> NATSConnection {
        let environment = ProcessInfo.processInfo.environment.filter { !$0.value.isEmpty }
        let url = self.url ?? environment["OCR_NATS_URL"] ?? "nats://127.0.0.1:4222"
        var logger = Logger(label: "ocrctl")
        logger.logLevel = .error
        return try await NATSConnection.connect(
            .init(
                urls: url.split(separator: ",").map(String.init),
                name: name,
                user: environment["OCR_NATS_USER"],
                password: environment["OCR_NATS_PASSWORD"],
                credentialsFile: environment["OCR_NATS_CREDS"],
                tlsCAFile: environment["OCR_NATS_TLS_CA"],
                inboxPrefix: environment["OCR_NATS_INBOX_PREFIX"],
                connectTimeout: .seconds(5)
            ),
            logger: logger
        )
    }
}
