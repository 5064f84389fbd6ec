import ArgumentParser
import Foundation
import OCRFleetAPI
import OCRFleetClient
import OCRFleetModel

@main
struct OCRCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocrctl",
        abstract: "Submit documents to the OCR fleet and follow their jobs.",
        subcommands: [
            Submit.self, Status.self, Result.self, Chunks.self, Extraction.self, Watch.self, Events.self, Cancel.self, Purge.self, RetryJob.self,
            DeadLetters.self, BackfillCommand.self, Review.self,
        ]
    )
}

/// Where the gateway is and how to authenticate; flags override `OCR_GATEWAY_URL` and `OCR_API_TOKEN`.
struct GatewayOptions: ParsableArguments {
    @Option(name: .long, help: "Gateway base URL (env OCR_GATEWAY_URL, default http://127.0.0.1:8080).")
    var gateway: String?

    @Option(name: .long, help: "Bearer token for the gateway (env OCR_API_TOKEN, default none).")
    var token: String?

    func client() throws -> GatewayClient {
        let environment = ProcessInfo.processInfo.environment
        return try GatewayClient(
            baseURL: gateway ?? environment["OCR_GATEWAY_URL"] ?? "http://127.0.0.1:8080",
            token: token ?? environment["OCR_API_TOKEN"]
        )
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a job's state: a line, or its JSON with --json.")

    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var bus: BusOption
    @Argument(help: "Job id.") var id: String
    @Flag(help: "Print the state as JSON.") var json = false

    func run() async throws {
        let jobs: any JobAccess = if let nats = bus.options { try await BusJobs.connect(nats) } else { try gateway.client() }
        let state = try await jobs.state(id)
        if json { return printJSON(state) }
        var fields = [state.jobID, state.state.rawValue, "attempts=\(state.attempts)"]
        if let total = state.pagesTotal { fields.append("pages=\(state.pagesDone ?? 0)/\(total)") }
        if let engine = state.engine { fields.append("engine=\(engine)") }
        if let error = state.error { fields.append("error=\(error.code.rawValue) \"\(error.message)\"") }
        print(fields.joined(separator: " "))
    }
}

struct Result: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a completed job's markdown.")

    @OptionGroup var gateway: GatewayOptions
    @Argument(help: "Job id.") var id: String
    @Flag(help: "Print {\"job_id\", \"markdown\"} as JSON.") var json = false

    func run() async throws {
        let markdown = try await gateway.client().result(id)
        if json { return printJSON(["job_id": id, "markdown": markdown]) }
        FileHandle.standardOutput.write(Data(markdown.utf8))
    }
}

struct Chunks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a completed job's chunks.jsonl (submitted with --chunk): one JSON object per chunk and line."
    )

    @OptionGroup var gateway: GatewayOptions
    @Argument(help: "Job id.") var id: String

    func run() async throws {
        FileHandle.standardOutput.write(Data(try await gateway.client().chunks(id).utf8))
    }
}

struct Extraction: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a completed job's extraction.json (submitted with --classify or --extract): labels, sections, values."
    )

    @OptionGroup var gateway: GatewayOptions
    @Argument(help: "Job id.") var id: String
    @Option(help: "Which version: 1 is the worker's, each finished review adds one (default: the newest).") var version: Int?

    func run() async throws {
        FileHandle.standardOutput.write(try ExtractionText.json(try await gateway.client().extraction(id, version: version)))
    }
}

struct Cancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cancel a queued or running job.",
        discussion: "A running job stops within a page and publishes `cancelled`; a queued one is skipped when a worker takes it."
    )

    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var bus: BusOption
    @Argument(help: "Job id.") var id: String
    @Flag(help: "Print {\"job_id\", \"was\"} as JSON.") var json = false

    func run() async throws {
        let jobs: any JobAccess = if let nats = bus.options { try await BusJobs.connect(nats) } else { try gateway.client() }
        let state = try await jobs.cancel(id)
        if json { return printJSON(["job_id": id, "was": state.rawValue]) }
        print("cancel requested for \(id) (was \(state.rawValue))")
    }
}

struct Purge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove an ended job and everything kept of it, through the gateway.",
        discussion: """
            Its source, results, layout, chunks, extraction and reviewed versions in the gateway's store, its \
            events, dead letters, review records and state (docs/storage.md#purging-a-job). A job still queued \
            or running is refused: cancel it first. The job id is free afterwards.
            """
    )

    @OptionGroup var gateway: GatewayOptions
    @Argument(help: "Job id (the tenant's own, as submitted).") var id: String
    @Flag(help: "Print what was removed as JSON.") var json = false

    func run() async throws {
        let purged = try await gateway.client().purge(id)
        if json { return printJSON(purged) }
        print(
            "purged \(id): \(purged.objects) objects, \(purged.events) events, \(purged.deadLetters) dead letters, \(purged.reviewItems) review items, \(purged.cachedMessages) cached messages"
        )
    }
}

struct RetryJob: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Run a failed job again through the gateway, from its dead letter.",
        discussion: """
            The gateway signs the job's URLs into its store afresh, so a job whose uploaded document \
            or result URL expired before a worker took it runs again (`ocrctl dlq replay` cannot sign them).
            """
    )

    @OptionGroup var gateway: GatewayOptions
    @Argument(help: "Job id (the tenant's own, as submitted).") var id: String
    @Flag(help: "Print {\"job_id\", \"state\"} as JSON.") var json = false

    func run() async throws {
        let state = try await gateway.client().retry(id)
        if json { return printJSON(["job_id": id, "state": state.rawValue]) }
        print("retry of \(id) accepted (\(state.rawValue))")
    }
}
