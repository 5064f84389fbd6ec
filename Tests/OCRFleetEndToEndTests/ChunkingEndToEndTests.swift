import Crypto
import Foundation
import OCRFleetAPI
import OCRFleetBus
import OCRFleetClient
import OCRFleetContent
import OCRFleetModel
import OCRFleetTesting
import Testing

/// `options.chunk` through the whole fleet: the worker's `chunks.jsonl` as uploaded, what
/// `completed` says of it, and where its `markdown_range`s point in the uploaded markdown.
@Suite(.serialized) struct ChunkingEndToEndTests {
    /// One record of `chunks.jsonl`, as a consumer reads it.
    struct Record: Decodable {
        var index: Int
        var text: String
        var headingPath: [String]
        var pages: [Int]
        var tokens: Int
        var markdownRange: [Int]

        enum CodingKeys: String, CodingKey {
            case index, text, pages, tokens
            case headingPath = "heading_path"
            case markdownRange = "markdown_range"
        }
    }

    static func records(_ lines: [UInt8]) throws -> [Record] {
        try String(decoding: lines, as: UTF8.self).split(separator: "\n").map { line in
            try JSONDecoder().decode(Record.self, from: Data(line.utf8))
        }
    }

    static func job(
        _ fleet: TestFleet,
        _ jobID: String,
        _ fixture: String,
        chunk: ChunkingOptions?,
        chunksURL: Bool
    ) throws
        -> JobRequest
    {
        try fleet.storedJob(jobID, fixture, options: JobOptions(chunk: chunk), chunksURL: chunksURL)
    }

    @Test func aJobOverNATSChunksItsMarkdownByHeading() async throws {
        try await withFleet { fleet in
            let ended = try fleet.recordEvents("ocr.events.completed.chunked")
            let progress = try fleet.recordEvents("ocr.events.progress.chunked")
            try await fleet.nats.flush()
            let job = try Self.job(
                fleet,
                "chunked",
                "report-3p.pdf",
                chunk: ChunkingOptions(strategy: .heading, size: 64, overlap: 0),
                chunksURL: true
            )
            try await fleet.nats.publish(JobEvent.request(job, source: "urn:test:chunks"))
            #expect(try await fleet.waitForTerminalState("chunked").state == .completed)
            guard case .completed(let completed) = try await ended.events(count: 1)[0].data.body else {
                Issue.record("no completed event")
                return
            }

            let markdown = try String(contentsOfFile: fleet.store.path(for: "results/chunked.md"), encoding: .utf8)
            let lines = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fleet.store.path(for: "results/chunked.chunks.jsonl"))))
            let records = try Self.records(lines)
            let summary = try #require(completed.chunks)
            #expect(summary.url == fleet.store.publicBaseURL + LocalStore.routePrefix + "results/chunked.chunks.jsonl")
            #expect(summary.bytes == lines.count && summary.count == records.count)
            #expect(summary.sha256 == SHA256.hash(data: lines).map { String(format: "%02x", $0) }.joined())
            #expect(completed.timingsMs["chunk"] != nil, "\(completed.timingsMs)")
            let stages = try await progress.events(during: .milliseconds(200)).compactMap { event in
                if case .progress(let progress) = event.data.body { progress.stage } else { nil }
            }
            #expect(stages == ["chunk"], "one progress event as the chunk stage starts")

            // One chunk per page's section, under its own heading.
            #expect(records.map(\.index) == [0, 1, 2])
            #expect(records.map(\.pages) == [[1], [2], [3]])
            #expect(
                records.map(\.headingPath) == [
                    ["Quarterly Report for the Northern Region"], ["Second Page of the Report"], ["Third Page with Closing Remarks"],
                ],
                "\(markdown)"
            )
            #expect(records[1].text.contains("Shipping costs fell"))
            // Each range slices the uploaded markdown to the chunk's own text.
            let scalars = Array(markdown.unicodeScalars)
            for record in records {
                let range = record.markdownRange
                #expect(range.count == 2 && 0 <= range[0] && range[0] < range[1] && range[1] <= scalars.count)
                var slice = String.UnicodeScalarView()
                slice.append(contentsOf: scalars[range[0]..<range[1]])
                #expect(String(slice) == record.text, "chunk \(record.index)")
            }
        }
    }

    @Test func badChunkRequestsFailAsInvalidJobs() async throws {
        try await withFleet { fleet in
            let failures = try fleet.recordEvents("ocr.events.failed.>")
            try await fleet.nats.flush()
            // A chunks URL is checked against the egress policy as the result URL is.
            var metadata = try Self.job(fleet, "chunks-to-metadata", "invoice.png", chunk: ChunkingOptions(), chunksURL: true)
            metadata.result.chunksURL = "http://169.254.169.254/latest/chunks.jsonl"
            let jobs = [
                try Self.job(fleet, "no-chunks-url", "invoice.png", chunk: ChunkingOptions(), chunksURL: false),
                try Self.job(fleet, "tiny-chunks", "invoice.png", chunk: ChunkingOptions(size: 15, overlap: 0), chunksURL: true),
                metadata,
            ]
            for job in jobs { try await fleet.nats.publish(JobEvent.request(job, source: "urn:test:chunks")) }
            var messages: [String: String] = [:]
            for event in try await failures.events(count: 3) {
                guard case .failed(let failed) = event.data.body else { continue }
                #expect(failed.error.code == .invalidJob && !failed.willRetry)
                messages[event.data.header.jobID] = failed.error.message
            }
            #expect(messages["no-chunks-url"]?.contains("options.chunk needs result.chunks_url") == true, "\(messages)")
            #expect(messages["tiny-chunks"] == "options.chunk.size must be 16-8192 tokens, not 15", "\(messages)")
            #expect(messages["chunks-to-metadata"]?.hasPrefix("the chunks URL") == true, "\(messages)")
            #expect(!FileManager.default.fileExists(atPath: fleet.store.path(for: "results/tiny-chunks.chunks.jsonl")))
        }
    }

    @Test func theGatewayServesAnUploadsChunks() async throws {
        try await withFleet { fleet in
            let options = Components.Schemas.Options(chunk: .init(strategy: .page, size: 64, overlap: 0))
            try await fleet.submit(file: Fixtures.path("report-3p.pdf"), jobID: "paged", options: options)
            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "unchunked")
            #expect(try await fleet.waitForTerminalState("paged").state == .completed)
            #expect(try await fleet.waitForTerminalState("unchunked").state == .completed)

            let served = try await fleet.exchange("GET", "/v1/jobs/paged/chunks")
            #expect(served.status == 200 && served.headers["content-type"] == "application/jsonl", "\(served)")
            let records = try Self.records(Array(served.body.utf8))
            #expect(records.map(\.pages) == [[1], [2], [3]])
            #expect(try await fleet.client().chunks("paged") == served.body)

            let (status, body) = try await fleet.request("GET", "/v1/jobs/unchunked/chunks")
            #expect(status == 404 && body.contains("\"not_found\""), "\(body)")
        }
    }
}
