import Foundation
import OCRFleetBus
import OCRFleetContent
import OCRFleetModel
import OCRFleetTesting
import Testing

/// `ocrctl submit --classify --split --extract`, `--wait -o` writing `<name>.extraction.json`,
/// and `ocrctl extraction`: the built executable against a gateway with no worker, the worker's
/// part (the uploads and the job's end) played by the test.
@Suite(.serialized) struct OCRCtlExtractionTests {
    static let schema = #"{"type": "object", "properties": {"total": {"type": "number"}}}"#
    static let labels = #"[{"name": "invoice", "description": "a bill"}, {"name": "letter"}]"#

    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "ocrctl-extraction-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func write(_ text: String, _ name: String, in directory: String) throws -> String {
        let path = "\(directory)/\(name)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let document = ExtractionDocument(
        classification: DocumentClassification(label: "invoice", confidence: 0.8, pages: [PageLabel(page: 1, label: "invoice", confidence: 0.8)]),
        sections: [DocumentSection(title: "Invoice", label: "invoice", firstPage: 1, lastPage: 1, markdownRange: [0, 20])],
        extraction: FieldExtraction(
            values: .object(["total": .number(12.5)]),
            fields: [
                ExtractedField(
                    pointer: "/total",
                    value: .number(12.5),
                    confidence: 0.72,
                    confidenceParts: ConfidenceParts(model: 0.8, validation: 1, evidence: 0.9),
                    citation: Citation(page: 1, box: [10, 20, 30, 40], text: "12.50", markdownRange: [5, 10])
                )
            ],
            requests: 1,
            pieces: 1
        )
    )

    /// No gateway listens at the URL given: a refusal naming the file (and the schema's JSON
    /// pointer) was made before any request.
    @Test func badLabelsAndSchemasAreRefusedBeforeAnyUpload() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bad = try Self.write(#"{"type": "object", "properties": {"total": {"type": "money"}}}"#, "bad.json", in: directory)
        let good = try Self.write(Self.schema, "schema.json", in: directory)
        let one = try Self.write(#"{"labels": [{"name": "only"}]}"#, "one.json", in: directory)
        let nameless = try Self.write(#"[{"name": "a"}, {"description": "b"}]"#, "nameless.json", in: directory)
        let labels = try Self.write(Self.labels, "labels.json", in: directory)
        let cases: [([String], String)] = [
            (["--extract", bad], "--extract \(bad): the JSON schema at '/properties/total/type'"),
            (["--extract", labels], "--extract \(labels): the JSON schema at ''"),
            (["--extract", directory + "/absent.json"], "--extract: cannot read \(directory)/absent.json"),
            (["--classify", one], "--classify \(one): labels must list 2-100 labels, not 1"),
            (["--classify", nameless], "--classify \(nameless): missing field [1].name"),
            (["--split", "--extract", good], "--split cuts by page label: it needs --classify"),
            (["--classify", labels, "--split", "--extract-each"], "--extract-each goes with --split and --extract"),
            (["--instructions", "the total"], "--instructions goes with --extract"),
        ]
        for (flags, message) in cases {
            let (status, output) = try await DeadLetterCommandTests.run(
                ["submit", "--gateway", "http://127.0.0.1:9"] + flags + [Fixtures.path("invoice.png")]
            )
            #expect(status != 0 && output.contains(message), "\(flags): \(output)")
            #expect(!output.contains("cannot reach"), "\(flags): \(output)")
        }
        let (overNATS, answer) = try await DeadLetterCommandTests.run(
            ["submit", "--nats", "nats://127.0.0.1:9", "--classify", labels, "--result-url", "http://a/r.md", "http://a/doc.pdf"]
        )
        #expect(overNATS != 0 && answer.contains("give one http(s) --extraction-url per input"), "\(answer)")
    }

    @Test func submitWaitWritesTheExtractionAndExtractionPrintsIt() async throws {
        try await withFleet(runWorker: false) { fleet in
            let directory = try Self.directory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let labels = try Self.write(Self.labels, "labels.json", in: directory)
            let schema = try Self.write(Self.schema, "schema.json", in: directory)
            let output = directory + "/out"
            let submit = try BuiltExecutable.run(
                "ocrctl",
                [
                    "submit", "--gateway", fleet.gatewayURL, "--wait", "-o", output, "--classify", labels, "--split",
                    "--extract-each", "--extract", schema, "--instructions", "the total", Fixtures.path("invoice.png"),
                ]
            )
            defer { submit.terminate() }

            // The job as the gateway queued it, once it is there.
            let stored = StoredMessages(connection: fleet.nats, stream: StreamNames.jobs)
            let deadline = ContinuousClock.now + .seconds(60)
            var queued = try await stored.last(on: Subjects.jobsWildcard)
            while queued == nil, submit.isRunning, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                queued = try await stored.last(on: Subjects.jobsWildcard)
            }
            let message = try #require(queued, "ocrctl queued no job")
            let job = try JobEvent.parse(body: message.payload, headers: message.headers).data
            #expect(job.options.classify?.labels.map(\.name) == ["invoice", "letter"])
            #expect(job.options.classify?.labels.first?.description == "a bill")
            #expect(job.options.split == SplitOptions(extractEach: true))
            #expect(
                job.options.extract
                    == ExtractionOptions(schema: try JSONDecoder().decode(JSONValue.self, from: Data(Self.schema.utf8)), instructions: "the total")
            )
            let extractionURL = try #require(job.result.extractionURL)
            #expect(extractionURL.contains("/results/\(job.jobID).extraction.json?"), "\(extractionURL)")

            // The worker's part: the markdown and extraction.json where the job says, then the end.
            let markdown = "<!-- page 1 -->\n\nInvoice total 12.50\n"
            let results = (fleet.store.path(for: "results/\(job.jobID).md") as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: results, withIntermediateDirectories: true)
            try markdown.write(toFile: fleet.store.path(for: "results/\(job.jobID).md"), atomically: true, encoding: .utf8)
            try JSONEncoder().encode(Self.document).write(to: URL(fileURLWithPath: fleet.store.path(for: "results/\(job.jobID).extraction.json")))
            var state = JobState(jobID: job.jobID, state: .completed)
            state.result = ResultSummary(url: String(job.result.url.prefix { $0 != "?" }), bytes: markdown.utf8.count, sha256: "")
            try await JobStateStore(connection: fleet.nats).put(state)

            try await BuiltExecutable.waitForExit(submit)
            #expect(submit.terminationStatus == 0)
            #expect(try String(contentsOfFile: output + "/invoice.md", encoding: .utf8) == markdown)
            let written = try Data(contentsOf: URL(fileURLWithPath: output + "/invoice.extraction.json"))
            #expect(try JSONDecoder().decode(ExtractionDocument.self, from: written) == Self.document)

            let (status, printed) = try await DeadLetterCommandTests.run(["extraction", job.jobID, "--gateway", fleet.gatewayURL])
            #expect(status == 0 && Data(printed.utf8) == written, "\(printed)")

            let (missing, refusal) = try await DeadLetterCommandTests.run(["extraction", "no-such-job", "--gateway", fleet.gatewayURL])
            #expect(missing != 0 && refusal.contains("no-such-job"), "\(refusal)")
        }
    }
}
