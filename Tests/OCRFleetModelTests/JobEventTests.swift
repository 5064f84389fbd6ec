import Foundation
import OCRFleetModel
import Testing

@Suite struct JobEventTests {
    static let contractExample = """
        {
          "specversion": "1.0", "id": "9b2f3c1e-1", "source": "urn:service:billing",
          "type": "ocrfleet.job.requested", "subject": "job-2024-000123", "time": "2026-11-23T10:00:00Z",
          "datacontenttype": "application/json", "unknown_attribute": 42,
          "data": {
            "job_id": "job-2024-000123",
            "source": { "url": "https://store.example/doc.pdf?X-Sig=1", "content_type": "application/pdf",
                        "filename": "statement.pdf", "size": 183244, "sha256": "abc" },
            "result": { "url": "https://store.example/out.md?X-Sig=2", "content_type": "text/markdown; charset=utf-8" },
            "options": { "engine": "auto", "mode": "hybrid", "pages": "1-20",
                         "languages": ["eng"], "resolution": "base", "prompt": "markdown",
                         "timeout_s": 900, "password": null, "something_new": true },
            "metadata": { "tenant": "acme", "owner": "u-42", "content_id": "c-77" }
          }
        }
        """

    @Test func contractExampleParses() throws {
        let event = try JobEvent.parse(body: Array(Self.contractExample.utf8), headers: [:])
        #expect(event.id == "9b2f3c1e-1")
        #expect(event.data.jobID == "job-2024-000123")
        #expect(event.data.source.size == 183244)
        #expect(event.data.options.pages?.description == "1-20")
        #expect(event.data.options.timeoutSeconds == 900)
        #expect(event.data.options.onPageError == .mark)
        #expect(event.data.options.headersFooters == .mark)
        #expect(event.data.metadata?["tenant"] == "acme")
        #expect(event.time.map(Timestamp.format) == "2026-11-23T10:00:00.000Z")
    }

    @Test func roundTripKeepsEveryField() throws {
        let job = JobRequest(
            jobID: "job-1",
            source: SourceDocument(url: "https://a.example/x.pdf", contentType: "application/pdf"),
            result: ResultTarget(url: "https://a.example/x.md", chunksURL: "https://a.example/x.jsonl"),
            options: JobOptions(
                engine: .tesseract,
                mode: .ocr,
                pages: try PageRanges(parsing: "1-3,7,9-"),
                languages: ["eng", "deu"],
                resolution: .gundam,
                prompt: .free,
                timeoutSeconds: 60,
                password: "pw",
                onPageError: .fail,
                headersFooters: .drop,
                chunk: ChunkingOptions(strategy: .tokens, size: 128, overlap: 8)
            ),
            metadata: ["tenant": "t"]
        )
        let event = JobEvent.request(job, source: "urn:test")
        let bytes = try [UInt8](CloudEventCoding.encoder().encode(event))
        let parsed = try JobEvent.parse(body: bytes, headers: [:])
        #expect(parsed.data == job)
        #expect(parsed.id == event.id)
        #expect(parsed.type == "ocrfleet.job.requested")
        #expect(parsed.subject == "job-1")
    }

    @Test func missingOptionsTakeContractDefaults() throws {
        let body =
            #"{"specversion":"1.0","id":"1","source":"s","type":"ocrfleet.job.requested","data":{"job_id":"j","source":{"url":"http://h/x"},"result":{"url":"http://h/y"}}}"#
        let options = try JobEvent.parse(body: Array(body.utf8), headers: [:]).data.options
        #expect(options == JobOptions())
        #expect(options.engine == .auto && options.mode == .hybrid && options.languages == ["eng"])
    }

    @Test(arguments: [
        ("not json at all", "not a JSON CloudEvent"),
        (#"["an","array"]"#, "not a JSON CloudEvent"),
        (
            #"{"specversion":"1.0","id":"1","source":"s","type":"ocrfleet.job.requested","data":{"job_id":"j","source":{},"result":{"url":"http://h/y"}}}"#,
            "data.source.url"
        ),
        (#"{"id":"1","source":"s","type":"ocrfleet.job.requested","data":{}}"#, "specversion"),
        (
            #"{"specversion":"1.0","id":"1","source":"s","type":"other.type","data":{"job_id":"j","source":{"url":"http://h/x"},"result":{"url":"http://h/y"}}}"#,
            "expected 'ocrfleet.job.requested'"
        ),
        (
            #"{"specversion":"1.0","id":"1","source":"s","type":"ocrfleet.job.requested","data":{"job_id":"a.b","source":{"url":"http://h/x"},"result":{"url":"http://h/y"}}}"#,
            "job_id"
        ),
        (
            #"{"specversion":"1.0","id":"1","source":"s","type":"ocrfleet.job.requested","data":{"job_id":"j","source":{"url":"file:///etc/passwd"},"result":{"url":"http://h/y"}}}"#,
            "source.url"
        ),
        (
            #"{"specversion":"1.0","id":"1","source":"s","type":"ocrfleet.job.requested","data":{"job_id":"j","source":{"url":"http://h/x"},"result":{"url":"http://h/y"},"options":{"engine":"magic"}}}"#,
            "engine"
        ),
        (
            #"{"specversion":"1.0","id":"1","source":"s","type":"ocrfleet.job.requested","data":{"job_id":"j","source":{"url":"http://h/x"},"result":{"url":"http://h/y"},"options":{"pages":"3-1"}}}"#,
            "page"
        ),
        (
            #"{"specversion":"1.0","id":"1","source":"s","type":"ocrfleet.job.requested","data":{"job_id":"j","source":{"url":"http://h/x"},"result":{"url":"http://h/y"},"options":{"chunk":{"strategy":"heading"}}}}"#,
            "options.chunk needs result.chunks_url"
        ),
        (
            #"{"specversion":"1.0","id":"1","source":"s","type":"ocrfleet.job.requested","data":{"job_id":"j","source":{"url":"http://h/x"},"result":{"url":"http://h/y","chunks_url":"http://h/z"},"options":{"chunk":{"size":15}}}}"#,
            "options.chunk.size must be 16-8192 tokens, not 15"
        ),
        (
            #"{"specversion":"1.0","id":"1","source":"s","type":"ocrfleet.job.requested","data":{"job_id":"j","source":{"url":"http://h/x"},"result":{"url":"http://h/y","chunks_url":"http://h/z"},"options":{"chunk":{"strategy":"sentences"}}}}"#,
            "chunk.strategy"
        ),
        (
            #"{"specversion":"1.0","id":"1","source":"s","type":"ocrfleet.job.requested","data":{"job_id":"j","source":{"url":"http://h/x"},"result":{"url":"http://h/y","chunks_url":"ftp://h/z"}}}"#,
            "result.chunks_url"
        ),
    ])
    func invalidJobsFailWithInvalidJob(body: String, mentions: String) {
        #expect {
            _ = try JobEvent.parse(body: Array(body.utf8), headers: [:])
        } throws: { error in
            guard let error = error as? OCRError else { return false }
            return error.code == .invalidJob && error.message.contains(mentions)
        }
    }

    @Test func binaryModeReadsAttributesFromHeaders() throws {
        let data = #"{"job_id":"bin-1","source":{"url":"http://h/x"},"result":{"url":"http://h/y"}}"#
        let event = try JobEvent.parse(
            body: Array(data.utf8),
            headers: [
                "ce-specversion": "1.0", "ce-id": "e-1", "ce-source": "urn:x", "ce-type": "ocrfleet.job.requested",
                "ce-time": "2026-11-23T10:00:00Z",
            ]
        )
        #expect(event.id == "e-1")
        #expect(event.data.jobID == "bin-1")
        #expect(throws: OCRError.self) {
            _ = try JobEvent.parse(body: Array(data.utf8), headers: ["ce-specversion": "1.0", "ce-id": "e-1"])
        }
    }

    @Test func salvagesJobIDFromInvalidJobs() {
        #expect(JobEvent.salvageJobID(body: Array(#"{"data":{"job_id":"keep-me"}}"#.utf8)) == "keep-me")
        #expect(JobEvent.salvageJobID(body: Array(#"{"data":{"job_id":"bad id"}}"#.utf8)) == nil)
        #expect(JobEvent.salvageJobID(body: Array("junk".utf8)) == nil)
    }
}

@Suite struct PageRangesTests {
    @Test func selectsPagesInOrderWithoutRepeats() throws {
        let ranges = try PageRanges(parsing: "5-6, 1, 2-3, 3, 9-")
        #expect(try ranges.indexes(pageCount: 10) == [0, 1, 2, 4, 5, 8, 9])
    }

    @Test func rangeEndingPastTheLastPageIsClipped() throws {
        #expect(try PageRanges(parsing: "2-50").indexes(pageCount: 3) == [1, 2])
    }

    @Test func rangeStartingPastTheEndIsInvalid() throws {
        #expect(throws: OCRError(.invalidJob, "page range '4-5' starts past the last page (3)")) {
            try PageRanges(parsing: "4-5").indexes(pageCount: 3)
        }
    }

    @Test(arguments: ["", "0", "a-b", "3-2", "1,,2", "-4"])
    func malformedRangesAreInvalid(text: String) {
        #expect(throws: OCRError.self) { try PageRanges(parsing: text) }
    }
}
