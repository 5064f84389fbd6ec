import ArgumentParser
import Foundation
import OCRFleetAPI
import OCRFleetClient
import OCRFleetModel

struct Submit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit files or URLs for OCR; with --wait, print (or write) the markdown.",
        discussion: """
            Through the gateway, files are uploaded and URLs passed on. With --nats the job goes \
            straight onto the bus: inputs must be URLs the workers can fetch, each with a \
            --result-url the workers can PUT the markdown to (in the same order).
            """
    )

    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var bus: BusOption

    @Argument(help: "Files to upload, or http(s) URLs the workers can download.")
    var inputs: [String]

    @Flag(help: "Wait for the jobs (one progress bar across them) and print their markdown (or write it with -o).")
    var wait = false

    @Option(
        name: .shortAndLong,
        help: """
            With --wait: write <name>.md files (and <name>.chunks.jsonl with --chunk, <name>.extraction.json with --classify or \
            --extract) into this directory instead of printing.
            """
    )
    var output: String?

    @Option(help: "Engine.") var engine: EngineChoice?
    @Option(help: "Recognition mode.") var mode: RecognitionMode?
    @Option(help: "Pages, 1-based ranges such as 1-3,7.") var pages: String?
    @Option(help: "Tesseract languages, e.g. eng or eng+deu.") var languages: String?
    @Option(help: "Running headers, footers and page numbers of PDF text layers: mark or drop.")
    var headersFooters: HeaderFooterPolicy?
    @Option(help: "The job's lane: interactive (default) or batch.") var priority: JobPriority?
    @Option(help: "Also cut the markdown into chunks.jsonl: page, heading or tokens.")
    var chunk: ChunkingOptions.Strategy?
    @Option(help: "With --chunk: most tokens in a chunk (default 512).") var chunkSize: Int?
    @Option(help: "With --chunk: tokens a split chunk repeats from the one before (default 64).") var chunkOverlap: Int?
    @Option(help: "Label each page and the document: a JSON file of [{\"name\": …, \"description\": …}], 2-100 labels.")
    var classify: String?
    @Flag(help: "With --classify: cut the document into sections of consecutive pages with the same label.")
    var split = false
    @Flag(help: "With --split and --extract: extract each section on its own.") var extractEach = false
    @Option(help: "Extract the values of a JSON Schema file (the subset docs/extraction.md lists), with citations.")
    var extract: String?
    @Option(help: "With --extract: what to extract, in words, for the model.") var instructions: String?
    @Option(help: "With --nats: where the workers PUT each input's markdown; once per input.")
    var resultURL: [String] = []
    @Option(help: "With --nats and --chunk: where the workers PUT each input's chunks.jsonl; once per input.")
    var chunksURL: [String] = []
    @Option(help: "With --nats and --classify or --extract: where the workers PUT each input's extraction.json; once per input.")
    var extractionURL: [String] = []

    @Flag(help: "Print one JSON object per job instead of text.")
    var json = false

    func validate() throws {
        if output != nil && !wait { throw ValidationError("-o needs --wait") }
        if let pages { _ = try PageRanges(parsing: pages) }
        if chunk == nil, chunkSize != nil || chunkOverlap != nil { throw ValidationError("--chunk-size and --chunk-overlap go with --chunk") }
        do {
            try chunking?.validate()
        } catch {
            throw ValidationError(error.message.replacingOccurrences(of: "options.chunk.", with: "--chunk-"))
        }
        _ = try analyses.options()
        if bus.url != nil {
            guard inputs.allSatisfy(Self.isURL) else { throw ValidationError("with --nats, inputs must be http(s) URLs") }
            guard resultURL.count == inputs.count, resultURL.allSatisfy(Self.isURL) else {
                throw ValidationError("with --nats, give one http(s) --result-url per input")
            }
            if output != nil {
                throw ValidationError("with --nats the markdown is at the result URLs; -o needs the gateway")
            }
            if chunk != nil, chunksURL.count != inputs.count || !chunksURL.allSatisfy(Self.isURL) {
                throw ValidationError("with --nats and --chunk, give one http(s) --chunks-url per input")
            }
            if analyses.isAsked, extractionURL.count != inputs.count || !extractionURL.allSatisfy(Self.isURL) {
                throw ValidationError("with --nats and --classify or --extract, give one http(s) --extraction-url per input")
            }
        } else if !resultURL.isEmpty {
            throw ValidationError("--result-url goes with --nats")
        }
        if chunk == nil, !chunksURL.isEmpty { throw ValidationError("--chunks-url goes with --chunk and --nats") }
        if !analyses.isAsked, !extractionURL.isEmpty {
            throw ValidationError("--extraction-url goes with --classify or --extract and --nats")
        }
    }

    var analyses: AnalysisFiles {
        AnalysisFiles(classify: classify, split: split, extractEach: extractEach, extract: extract, instructions: instructions)
    }

    static func isURL(_ text: String) -> Bool { text.hasPrefix("http://") || text.hasPrefix("https://") }

    /// The chunk options the flags ask for, the rest the contract's defaults.
    var chunking: ChunkingOptions? {
        chunk.map { strategy in
            let defaults = ChunkingOptions()
            return ChunkingOptions(strategy: strategy, size: chunkSize ?? defaults.size, overlap: chunkOverlap ?? defaults.overlap)
        }
    }

    func run() async throws {
        let asked = try analyses.options()
        let choices = JobChoices(
            engine: engine,
            mode: mode,
            pages: pages,
            languages: languages,
            headersFooters: headersFooters,
            priority: priority,
            chunk: chunking,
            classify: asked.classify,
            split: asked.split,
            extract: asked.extract
        )
        if let output { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) }

        let jobs: any JobAccess
        var submitted: [(input: String, id: String)] = []
        if let nats = bus.options {
            let busJobs = try await BusJobs.connect(nats)
            jobs = busJobs
            for (index, (input, result)) in zip(inputs, resultURL).enumerated() {
                let job = JobRequest(
                    jobID: "job-" + UUID().uuidString.lowercased(),
                    source: SourceDocument(url: input),
                    result: ResultTarget(
                        url: result,
                        chunksURL: chunk == nil ? nil : chunksURL[index],
                        extractionURL: analyses.isAsked ? extractionURL[index] : nil
                    ),
                    options: try choices.jobOptions()
                )
                try await busJobs.submit(job)
                submitted.append((input, job.jobID))
                if !wait { report(["input": input, "job_id": job.jobID], text: "\(job.jobID)  \(input)") }
            }
        } else {
            let client = try gateway.client()
            jobs = client
            for input in inputs {
                let accepted: Components.Schemas.Accepted
                if Self.isURL(input) {
                    accepted = try await client.submit(.init(source: .init(url: input), options: try choices.options))
                } else {
                    guard FileManager.default.isReadableFile(atPath: input) else {
                        throw ValidationError("cannot read \(input)")
                    }
                    accepted = try await client.submit(file: input, options: try choices.options)
                }
                submitted.append((input, accepted.jobId))
                if !wait { report(["input": input, "job_id": accepted.jobId], text: "\(accepted.jobId)  \(input)") }
            }
        }
        guard wait else { return }

        let states = try await waitForAll(submitted.map(\.id), jobs: jobs)
        var failures = 0
        for ((input, id), state) in zip(submitted, states) {
            guard state.state == .completed else {
                failures += 1
                let reason = state.error.map { "\($0.code.rawValue): \($0.message)" } ?? state.state.rawValue
                report(["input": input, "job_id": id, "state": state.state.rawValue, "error": reason], text: "\(input): \(reason)", error: true)
                continue
            }
            guard let client = jobs as? GatewayClient else {
                report(
                    ["input": input, "job_id": id, "state": "completed", "result_url": state.result?.url ?? ""],
                    text: "\(input) → \(state.result?.url ?? "?")"
                )
                continue
            }
            let markdown = try await client.result(id)
            if let output {
                let name = ((input as NSString).lastPathComponent as NSString).deletingPathExtension
                let path = "\(output)/\(name.isEmpty ? id : name).md"
                try markdown.write(toFile: path, atomically: true, encoding: .utf8)
                report(["input": input, "job_id": id, "state": "completed", "output": path], text: "\(input) → \(path)")
                if chunk != nil {
                    let chunksPath = "\(output)/\(name.isEmpty ? id : name).chunks.jsonl"
                    try await client.chunks(id).write(toFile: chunksPath, atomically: true, encoding: .utf8)
                    report(["input": input, "job_id": id, "chunks": chunksPath], text: "\(input) → \(chunksPath)")
                }
                if analyses.isAsked {
                    let extractionPath = "\(output)/\(name.isEmpty ? id : name).extraction.json"
                    try ExtractionText.json(try await client.extraction(id)).write(to: URL(fileURLWithPath: extractionPath), options: .atomic)
                    report(["input": input, "job_id": id, "extraction": extractionPath], text: "\(input) → \(extractionPath)")
                }
            } else if json {
                report(["input": input, "job_id": id, "state": "completed", "markdown": markdown], text: "")
            } else {
                // Several documents on one stream: each opens with its name.
                let heading = submitted.count > 1 ? "<!-- \(input) -->\n\n" : ""
                FileHandle.standardOutput.write(Data((heading + markdown).utf8))
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    /// Polls every job until each has ended, drawing one bar on standard error (when it is a
    /// terminal) for the pages of all of them: pages known so far, and jobs finished.
    func waitForAll(_ ids: [String], jobs: any JobAccess) async throws -> [JobState] {
        let interactive = isatty(STDERR_FILENO) == 1 && !json
        var states: [String: JobState] = [:]
        while true {
            for id in ids where states[id]?.state.isTerminal != true {
                states[id] = try await jobs.state(id)
            }
            let finished = ids.filter { states[$0]?.state.isTerminal == true }.count
            if interactive {
                let total = ids.compactMap { states[$0]?.pagesTotal }.reduce(0, +)
                let done = ids.compactMap { states[$0].flatMap { $0.pagesDone ?? ($0.state == .completed ? $0.pagesTotal : 0) } }
                    .reduce(0, +)
                let bar = ProgressLine.bar(done: done, total: total)
                FileHandle.standardError.write(Data("\r\(bar) \(done)/\(total) pages · \(finished)/\(ids.count) files ".utf8))
            }
            if finished == ids.count {
                if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
                return ids.map { states[$0]! }
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    func report(_ object: [String: String], text: String, error: Bool = false) {
        if json { return printJSON(object) }
        guard !text.isEmpty else { return }
        (error ? FileHandle.standardError : FileHandle.standardOutput).write(Data((text + "\n").utf8))
    }
}

extension EngineChoice: ExpressibleByArgument {}
extension RecognitionMode: ExpressibleByArgument {}
extension HeaderFooterPolicy: ExpressibleByArgument {}
extension JobPriority: ExpressibleByArgument {}
extension ChunkingOptions.Strategy: ExpressibleByArgument {}
