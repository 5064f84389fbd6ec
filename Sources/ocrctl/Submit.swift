import ArgumentParser
import Foundation
import OCRFleetClient
import OCRFleetModel

struct Submit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit files or URLs for OCR; with --wait, print (or write) the markdown.")

    @OptionGroup var gateway: GatewayOptions

    @Argument(help: "Files to upload, or http(s) URLs the workers can download.")
    var inputs: [String]

    @Flag(help: "Wait for each job and print its markdown (or write it with -o).")
    var wait = false

    @Option(name: .shortAndLong, help: "With --wait: write <name>.md files into this directory instead of printing.")
    var output: String?

    @Option(help: "Engine.") var engine: EngineChoice?
    @Option(help: "Recognition mode.") var mode: RecognitionMode?
    @Option(help: "Pages, 1-based ranges such as 1-3,7.") var pages: String?
    @Option(help: "Tesseract languages, e.g. eng or eng+deu.") var languages: String?

    @Flag(help: "Print one JSON object per job instead of text.")
    var json = false

    func validate() throws {
        if output != nil && !wait { throw ValidationError("-o needs --wait") }
        if let pages { _ = try PageRanges(parsing: pages) }
    }

    func run() async throws {
        let client = gateway.client()
        var options: [String: String] = [:]
        if let engine { options["engine"] = engine.rawValue }
        if let mode { options["mode"] = mode.rawValue }
        if let pages { options["pages"] = pages }
        if let languages { options["languages"] = languages }
        if let output { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) }

        var jobs: [(input: String, id: String)] = []
        for input in inputs {
            let id: String
            if input.hasPrefix("http://") || input.hasPrefix("https://") {
                var fields: [String: Any] = options
                if let languages { fields["languages"] = languages.split(separator: "+").map(String.init) }
                id = try await client.submit(url: input, options: fields)
            } else {
                guard FileManager.default.isReadableFile(atPath: input) else {
                    throw ValidationError("cannot read \(input)")
                }
                id = try await client.submit(file: input, query: options)
            }
            jobs.append((input, id))
            if !wait { report(["input": input, "job_id": id], text: "\(id)  \(input)") }
        }
        guard wait else { return }

        var failures = 0
        for (input, id) in jobs {
            let state = try await waitForEnd(id, input: input, client: client)
            guard state.state == .completed else {
                failures += 1
                let reason = state.error.map { "\($0.code.rawValue): \($0.message)" } ?? state.state.rawValue
                report(["input": input, "job_id": id, "state": state.state.rawValue, "error": reason], text: "\(input): \(reason)", error: true)
                continue
            }
            let markdown = try await client.result(id)
            if let output {
                let name = ((input as NSString).lastPathComponent as NSString).deletingPathExtension
                let path = "\(output)/\(name.isEmpty ? id : name).md"
                try markdown.write(toFile: path, atomically: true, encoding: .utf8)
                report(["input": input, "job_id": id, "state": "completed", "output": path], text: "\(input) → \(path)")
            } else if json {
                report(["input": input, "job_id": id, "state": "completed", "markdown": markdown], text: "")
            } else {
                // Several documents on one stream: each opens with its name.
                let heading = jobs.count > 1 ? "<!-- \(input) -->\n\n" : ""
                FileHandle.standardOutput.write(Data((heading + markdown).utf8))
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    /// Polls the job, drawing its page progress on standard error when that is a terminal.
    func waitForEnd(_ id: String, input: String, client: GatewayClient) async throws -> JobState {
        let interactive = isatty(STDERR_FILENO) == 1 && !json
        while true {
            let state = try await client.state(id)
            if interactive, let total = state.pagesTotal {
                let done = state.pagesDone ?? 0
                let width = 30
                let filled = total > 0 ? width * done / total : 0
                let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
                FileHandle.standardError.write(Data("\r\(input) \(bar) \(done)/\(total) pages ".utf8))
            }
            if state.state.isTerminal {
                if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
                return state
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    func report(_ object: [String: String], text: String, error: Bool = false) {
        let line: String
        if json, let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
            line = String(decoding: data, as: UTF8.self)
        } else {
            line = text
        }
        guard !line.isEmpty else { return }
        (error ? FileHandle.standardError : FileHandle.standardOutput).write(Data((line + "\n").utf8))
    }
}

extension EngineChoice: ExpressibleByArgument {}
extension RecognitionMode: ExpressibleByArgument {}
