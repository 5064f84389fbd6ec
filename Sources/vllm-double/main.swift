import ArgumentParser
import Logging
import ServiceLifecycle
import UnixSignals
import VLLMDouble

/// `vllm-double`: the vLLM stand-in as a process, for benchmarks and `run-local.sh`.
@main
struct VLLMDoubleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vllm-double",
        abstract: "A stand-in for vLLM serving DeepSeek-OCR, for tests and benchmarks (no GPU)."
    )

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8000
    @Option(help: "Served model name.") var model = "deepseek-ai/DeepSeek-OCR"
    @Option(help: "Milliseconds added to every chat completion, as a GPU's time per page.") var latencyMs = 0
    @Option(help: "Context length reported and enforced.") var maxModelLen = 8192
    @Flag(help: "Answer a fixed block instead of reading the image with Tesseract.") var noOcr = false
    @Flag(help: "Reject lists in vllm_xargs, as older vLLM releases do.") var legacyXargs = false
    @Option(help: "Also serve an instruction model of this name, answering structured-output requests from the document's text.")
    var instructionModel: String?

    func run() async throws {
        var behaviour = VLLMDouble.Behaviour()
        behaviour.servedModel = model
        behaviour.latency = .milliseconds(latencyMs)
        behaviour.maxModelLength = maxModelLen
        behaviour.recognizeText = !noOcr
        behaviour.legacyExtraArguments = legacyXargs
        behaviour.instructionModel = instructionModel
        var logger = Logger(label: "vllm-double")
        logger.logLevel = .warning
        let double = try VLLMDouble(behaviour: behaviour, logger: logger)
        let app = double.makeApplication(host: host, port: port) { port in
            print("vllm-double listening on http://\(host):\(port)/v1")
        }
        try await ServiceGroup(
            configuration: .init(services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        ).run()
    }
}
