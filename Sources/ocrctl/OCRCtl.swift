import ArgumentParser
import Foundation
import OCRFleetClient

@main
struct OCRCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocrctl",
        abstract: "Submit documents to the OCR fleet and follow their jobs.",
        subcommands: [
            Submit.self, Status.self, Result.self, Watch.self, Events.self, Cancel.self, DeadLetters.self,
            BackfillCommand.self,
        ])
}

/// Where the gateway is and how to authenticate; flags override `OCR_GATEWAY_URL` and `OCR_API_TOKEN`.
struct GatewayOptions: ParsableArguments {
    @Option(name: .long, help: "Gateway base URL (env OCR_GATEWAY_URL, default http://127.0.0.1:8080).")
    var gateway: String?

    @Option(name: .long, help: "Bearer token for the gateway (env OCR_API_TOKEN, default none).")
    var token: String?

    func client() -> GatewayClient {
        let environment = ProcessInfo.processInfo.environment
        let base = gateway ?? environment["OCR_GATEWAY_URL"] ?? "http://127.0.0.1:8080"
        return GatewayClient(
            baseURL: base.hasSuffix("/") ? String(base.dropLast()) : base, token: token ?? environment["OCR_API_TOKEN"])
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a job's state as JSON.")

    @OptionGroup var gateway: GatewayOptions
    @Argument(help: "Job id.") var id: String

    func run() async throws {
        print(try await gateway.client().stateJSON(id))
    }
}

struct Result: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a completed job's markdown.")

    @OptionGroup var gateway: GatewayOptions
    @Argument(help: "Job id.") var id: String

    func run() async throws {
        FileHandle.standardOutput.write(Data(try await gateway.client().result(id).utf8))
    }
}

struct Cancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cancel a queued or running job.",
        discussion: "A running job stops within a page and publishes `cancelled`; a queued one is skipped when a worker takes it.")

    @OptionGroup var gateway: GatewayOptions
    @Argument(help: "Job id.") var id: String

    func run() async throws {
        let state = try await gateway.client().cancel(id)
        print("cancel requested for \(id) (was \(state))")
    }
}
