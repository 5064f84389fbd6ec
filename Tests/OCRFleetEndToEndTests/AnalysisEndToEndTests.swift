import Crypto
import Foundation
import OCRFleetBus
import OCRFleetContent
import OCRFleetModel
import OCRFleetTesting
import Testing
import VLLMDouble

/// `options.classify`, `options.split` and `options.extract` through the whole fleet, with the
/// vLLM double serving the instruction model: `extraction.json` as uploaded, what `completed`
/// says of it, its citations against the uploaded markdown, and the job's OCR result standing
/// when the model is down or never answers validly.
@Suite(.serialized) struct AnalysisEndToEndTests {
    static let model = "Qwen/Qwen2.5-7B-Instruct"

    static var behaviour: VLLMDouble.Behaviour {
        var behaviour = VLLMDouble.Behaviour()
        behaviour.instructionModel = model
        behaviour.recognizeText = false
        return behaviour
    }

    static func environment(_ url: String) -> [String: String] {
        ["OCR_LLM_URL": url, "OCR_LLM_MODEL": model, "OCR_ENGINE": "tesseract"]
    }

    static func json(_ file: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("analysis/\(file)"))))
    }

    static var labels: ClassificationOptions {
        get throws {
            try JSONDecoder().decode(
                ClassificationOptions.self,
                from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("analysis/labels.json")))
            )
        }
    }

    static func job(
        _ fleet: TestFleet,
        _ jobID: String,
        _ fixture: String,
        options: JobOptions,
        extractionURL: Bool = true
    ) throws
        -> JobRequest
    {
        try fleet.storedJob(jobID, fixture, options: options, extractionURL: extractionURL)
    }

    /// Runs `job` over NATS to its `completed` event; the uploaded markdown and extraction.json with it.
    static func complete(
        _ fleet: TestFleet,
        _ job: JobRequest
    ) async throws
        -> (completed: JobCompleted, markdown: String, json: [UInt8], document: ExtractionDocument, stages: [String])
    {
        let ended = try fleet.recordEvents("ocr.events.completed.\(job.jobID)")
        let progress = try fleet.recordEvents("ocr.events.progress.\(job.jobID)")
        try await fleet.nats.flush()
        try await fleet.nats.publish(JobEvent.request(job, source: "urn:test:analysis"))
        #expect(try await fleet.waitForTerminalState(job.jobID).state == .completed)
        guard case .completed(let completed) = try await ended.events(count: 1)[0].data.body else {
            throw TestFailure("no completed event for \(job.jobID)")
        }
        let markdown = try String(contentsOfFile: fleet.store.path(for: "results/\(job.jobID).md"), encoding: .utf8)
        let json = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fleet.store.path(for: "results/\(job.jobID).extraction.json"))))
        let document = try JSONDecoder().decode(ExtractionDocument.self, from: Data(json))
        let stages = try await progress.events(during: .milliseconds(200)).compactMap { event in
            if case .progress(let progress) = event.data.body { progress.stage } else { nil }
        }
        return (completed, markdown, json, document, stages)
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// The uploaded markdown's scalars `range` covers.
    static func slice(_ markdown: String, _ range: [Int]) -> String? {
        let scalars = Array(markdown.unicodeScalars)
        guard range.count == 2, 0 <= range[0], range[0] <= range[1], range[1] <= scalars.count else { return nil }
        var slice = String.UnicodeScalarView()
        slice.append(contentsOf: scalars[range[0]..<range[1]])
        return String(slice)
    }

    @Test func aBundleIsClassifiedSplitAndEachSectionExtracted() async throws {
        try await withVLLMDouble(Self.behaviour) { llm in
            try await withFleet(workerEnvironment: Self.environment(llm.baseURL)) { fleet in
                let options = JobOptions(
                    mode: .text,
                    classify: try Self.labels,
                    split: SplitOptions(extractEach: true),
                    extract: ExtractionOptions(schema: try Self.json("invoice.schema.json"))
                )
                let job = try Self.job(fleet, "bundle", "analysis/bundle.pdf", options: options)
                let (completed, markdown, json, document, stages) = try await Self.complete(fleet, job)

                let classification = try #require(document.classification)
                #expect(classification.error == nil)
                #expect(classification.pages.map(\.page) == [1, 2, 3, 4])
                #expect(classification.pages.map(\.label) == ["invoice", "letter", "letter", "receipt"])
                #expect(classification.label == "letter")
                let sections = try #require(document.sections)
                #expect(sections.map(\.label) == ["invoice", "letter", "receipt"])
                #expect(sections.map { [$0.firstPage, $0.lastPage] } == [[1, 1], [2, 3], [4, 4]])
                #expect(sections.map(\.title) == ["Invoice", "Letter", "Receipt"])
                #expect(document.extraction == nil, "each section has its own values")
                // Each section's range holds its pages' text and nothing of the others'.
                for section in sections {
                    let text = try #require(Self.slice(markdown, section.markdownRange))
                    #expect(text.contains(section.title), "\(section.title): \(text)")
                    #expect(!text.contains("<!-- page \(section.lastPage + 1) -->"))
                }
                let invoice = try #require(sections[0].extraction)
                #expect(invoice.error == nil)
                guard case .object(let values) = invoice.values else {
                    Issue.record("no values: \(String(describing: invoice.values))")
                    return
                }
                #expect(values["invoice_number"] == .string("B-1001"))
                #expect(values["total"] == .number(312))
                let total = try #require(invoice.fields.first { $0.pointer == "/total" })
                let citation = try #require(total.citation)
                #expect(citation.page == 1 && citation.text == "$312.00", "\(citation)")
                #expect(Self.slice(markdown, citation.markdownRange) == citation.text)
                // A section's values are read from its own pages only.
                for section in sections {
                    for field in section.extraction?.fields ?? [] {
                        guard let cited = field.citation else { continue }
                        #expect((section.firstPage...section.lastPage).contains(cited.page), "\(section.title): \(field)")
                    }
                }

                let summary = try #require(completed.extraction)
                #expect(summary.url == fleet.store.publicBaseURL + LocalStore.routePrefix + "results/bundle.extraction.json")
                #expect(summary.bytes == json.count)
                #expect(summary.sha256 == SHA256.hash(data: json).map { String(format: "%02x", $0) }.joined())
                #expect(summary.label == "letter" && summary.sections == 3 && summary.failed.isEmpty)
                let filled = sections.compactMap(\.extraction).map(\.filled).reduce(0, +)
                #expect(summary.fieldsFilled == filled && filled >= 4)
                #expect(stages == ["classify", "split", "extract"], "one progress event as each stage starts")
                for stage in ["classify", "split", "extract"] { #expect(completed.timingsMs[stage] != nil, "\(completed.timingsMs)") }
            }
        }
    }

    @Test func anInvoiceScanIsExtractedWithBoxesFromTesseractsWords() async throws {
        try await withVLLMDouble(Self.behaviour) { llm in
            try await withFleet(workerEnvironment: Self.environment(llm.baseURL)) { fleet in
                let schema = try Self.json("invoice.schema.json")
                let options = JobOptions(mode: .ocr, extract: ExtractionOptions(schema: schema))
                let job = try Self.job(fleet, "invoice-a", "analysis/invoice-a.pdf", options: options)
                let (completed, markdown, _, document, _) = try await Self.complete(fleet, job)
                let extraction = try #require(document.extraction)
                guard case .object(let values) = extraction.values else {
                    Issue.record("no values: \(extraction)")
                    return
                }
                #expect(values["total"] == .number(1234.5), "\(markdown)")
                #expect(values["invoice_number"] == .string("INV-2026-0107"), "\(markdown)")
                let field = try #require(extraction.fields.first { $0.pointer == "/total" })
                let citation = try #require(field.citation)
                #expect(citation.page == 1 && Self.slice(markdown, citation.markdownRange) == citation.text)
                // The box of Tesseract's word "$1,234.50", inside the page.
                let box = try #require(citation.box)
                #expect(box.count == 4 && box[0] < box[2] && box[1] < box[3], "\(box)")
                #expect(field.confidenceParts.evidence.map { $0 > 0.5 && $0 <= 1 } == true, "\(field.confidenceParts)")
                #expect(field.confidence != nil && field.confidenceParts.validation == 1)
                #expect(completed.extraction?.fieldsFilled == extraction.filled && completed.extraction?.fieldsTotal == extraction.fields.count)
            }
        }
    }

    @Test func aModelThatIsDownLeavesTheOCRResultStanding() async throws {
        let closed = try await FreePort.find()
        try await withFleet(workerEnvironment: Self.environment("http://127.0.0.1:\(closed)/v1")) { fleet in
            let options = JobOptions(
                classify: try Self.labels,
                extract: ExtractionOptions(schema: try Self.json("invoice.schema.json"))
            )
            let job = try Self.job(fleet, "model-down", "analysis/invoice-a.pdf", options: options)
            let (completed, markdown, _, document, _) = try await Self.complete(fleet, job)
            #expect(markdown.contains("INV-2026-0107"), "the markdown went out")
            #expect(document.classification?.error?.code == .engineUnavailable)
            #expect(document.extraction?.error?.code == .engineUnavailable && document.extraction?.values == nil)
            let failed = try #require(completed.extraction?.failed)
            #expect(failed.map(\.stage) == ["classify", "extract"] && failed.allSatisfy { $0.code == .engineUnavailable })
        }
    }

    @Test func aModelThatNeverAnswersValidlyIsReportedPerField() async throws {
        try await withVLLMDouble(Self.behaviour) { llm in
            try await withFleet(workerEnvironment: Self.environment(llm.baseURL)) { fleet in
                llm.double.injectAnswer(.schemaViolation, count: 2)
                let options = JobOptions(mode: .text, extract: ExtractionOptions(schema: try Self.json("form.schema.json")))
                let job = try Self.job(fleet, "never-valid", "analysis/form.pdf", options: options)
                let (completed, _, _, document, _) = try await Self.complete(fleet, job)
                let error = try #require(document.extraction?.error)
                #expect(error.code == .modelInvalidOutput)
                let pointers = Set((error.violations ?? []).map(\.pointer))
                #expect(pointers.isSuperset(of: ["/full_name", "/policy_number"]), "\(error)")
                #expect(document.extraction?.values == nil, "an invalid answer is never passed on")
                #expect(completed.extraction?.failed.first?.code == .modelInvalidOutput)
            }
        }
    }

    @Test func badAnalysisRequestsFailAsInvalidJobs() async throws {
        try await withFleet(workerEnvironment: Self.environment("http://127.0.0.1:9/v1")) { fleet in
            let failures = try fleet.recordEvents("ocr.events.failed.>")
            try await fleet.nats.flush()
            let badSchema: JSONValue = .object([
                "type": .string("object"),
                "properties": .object(["total": .object(["type": .string("money")])]),
            ])
            var toMetadata = try Self.job(fleet, "extraction-to-metadata", "invoice.png", options: JobOptions(classify: try Self.labels))
            toMetadata.result.extractionURL = "http://169.254.169.254/latest/extraction.json"
            let jobs = [
                try Self.job(fleet, "bad-schema", "invoice.png", options: JobOptions(extract: ExtractionOptions(schema: badSchema))),
                try Self.job(fleet, "split-alone", "invoice.png", options: JobOptions(split: SplitOptions())),
                try Self.job(fleet, "no-extraction-url", "invoice.png", options: JobOptions(classify: try Self.labels), extractionURL: false),
                toMetadata,
            ]
            for job in jobs { try await fleet.nats.publish(JobEvent.request(job, source: "urn:test:analysis")) }
            var messages: [String: String] = [:]
            for event in try await failures.events(count: jobs.count) {
                guard case .failed(let failed) = event.data.body else { continue }
                #expect(failed.error.code == .invalidJob && !failed.willRetry)
                messages[event.data.header.jobID] = failed.error.message
            }
            #expect(messages["bad-schema"]?.contains("/properties/total/type") == true, "\(messages)")
            #expect(messages["split-alone"]?.contains("needs options.classify") == true, "\(messages)")
            #expect(messages["no-extraction-url"]?.contains("result.extraction_url") == true, "\(messages)")
            #expect(messages["extraction-to-metadata"]?.hasPrefix("the extraction URL") == true, "\(messages)")
        }
    }

    /// The whole path a developer takes: `ocrctl submit` through the gateway to a worker and the
    /// model, `--wait -o` writing the form's markdown and `extraction.json`.
    @Test func ocrctlThroughTheGatewayExtractsAForm() async throws {
        try await withVLLMDouble(Self.behaviour) { llm in
            try await withFleet(workerEnvironment: Self.environment(llm.baseURL)) { fleet in
                let output = NSTemporaryDirectory() + "analysis-ocrctl-\(UUID().uuidString.prefix(8))"
                defer { try? FileManager.default.removeItem(atPath: output) }
                let submit = try BuiltExecutable.run(
                    "ocrctl",
                    [
                        "submit", "--gateway", fleet.gatewayURL, "--wait", "-o", output, "--mode", "text",
                        "--extract", Fixtures.path("analysis/form.schema.json"), Fixtures.path("analysis/form.pdf"),
                    ]
                )
                defer { submit.terminate() }
                try await BuiltExecutable.waitForExit(submit)
                #expect(submit.terminationStatus == 0)
                let markdown = try String(contentsOfFile: output + "/form.md", encoding: .utf8)
                let written = try Data(contentsOf: URL(fileURLWithPath: output + "/form.extraction.json"))
                let extraction = try #require(try JSONDecoder().decode(ExtractionDocument.self, from: written).extraction)
                #expect(
                    extraction.values
                        == .object([
                            "full_name": .string("Maria Jensen"), "date_of_birth": .string("1984-09-07"),
                            "policy_number": .string("PH-2291-55"), "smoker": .bool(false), "consent_given": .bool(true),
                        ]),
                    "\(markdown)"
                )
                let birth = try #require(extraction.fields.first { $0.pointer == "/date_of_birth" }?.citation)
                #expect(birth.text == "7 Sep 1984" && Self.slice(markdown, birth.markdownRange) == birth.text)
            }
        }
    }
}
