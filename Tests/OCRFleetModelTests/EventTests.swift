import Foundation
import OCRFleetModel
import Testing

@Suite struct LifecycleEventTests {
    let header = EventHeader(jobID: "job-7", attempt: 2, worker: "w-1")

    func roundTrip(_ body: LifecycleData.Body) throws -> (LifecycleEvent, [String: Any]) {
        let event = LifecycleEvent.lifecycle(LifecycleData(header: header, body: body), source: "urn:test")
        let bytes = try [UInt8](CloudEventCoding.encoder().encode(event))
        let json = try JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
        return (try LifecycleEvent.decode(bytes), json["data"] as! [String: Any])
    }

    @Test func terminalEventsHaveIdsEveryWorkerComputesAlike() throws {
        let finished = Date(timeIntervalSince1970: 1_790_000_000.123_456)
        // What another worker reads back from the job's state: the time with milliseconds.
        let recorded = try CloudEventCoding.decoder().decode(
            [Date].self,
            from: CloudEventCoding.encoder().encode([finished])
        )[0]
        for kind in [EventKind.failed, .cancelled] {
            let id = LifecycleEvent.terminalID(jobID: "job-7", kind: kind, finishedAt: finished)
            #expect(id == "job-7.\(kind.rawValue).1790000000123")
            #expect(LifecycleEvent.terminalID(jobID: "job-7", kind: kind, finishedAt: recorded) == id)
        }
        #expect(LifecycleEvent.terminalID(jobID: "job-7", kind: .completed, finishedAt: finished) == "job-7.completed")
        let final = LifecycleData(
            header: header,
            body: .failed(JobFailed(error: ErrorBody(OCRError(.corruptDocument, "x")), willRetry: false))
        )
        #expect(LifecycleEvent.lifecycle(final, source: "urn:test", finishedAt: finished).id == "job-7.failed.1790000000123")
        let retried = LifecycleData(
            header: header,
            body: .failed(JobFailed(error: ErrorBody(OCRError(.internal, "x")), willRetry: true))
        )
        #expect(LifecycleEvent.lifecycle(retried, source: "urn:test", finishedAt: finished).id.hasPrefix("job-7") == false)
    }

    @Test func everyKindRoundTripsWithContractFieldNames() throws {
        let completed = JobCompleted(
            result: ResultSummary(url: "https://s/x.md", bytes: 10, sha256: "ab"),
            pages: 3,
            pagesFailed: [2],
            engine: "tesseract",
            durationMs: 1200,
            timingsMs: ["download": 5],
            usage: PageUsage(pagesOCR: 3, pagesText: 0)
        )
        let cases: [(LifecycleData.Body, [String])] = [
            (.started(JobStarted(format: "pdf", pagesTotal: 3, engine: "tesseract")), ["format", "pages_total", "engine"]),
            (.progress(JobProgress(pagesDone: 1, pagesTotal: 3)), ["pages_done", "pages_total"]),
            (.progress(JobProgress(pagesDone: 3, pagesTotal: 3, stage: "chunk")), ["pages_done", "pages_total", "stage"]),
            (.completed(completed), ["result", "pages", "pages_failed", "engine", "duration_ms", "timings_ms", "usage"]),
            (.failed(JobFailed(error: ErrorBody(OCRError(.sourceUnreachable, "x")), willRetry: true)), ["error", "will_retry"]),
            (.cancelled, []),
        ]
        for (body, fields) in cases {
            let (decoded, data) = try roundTrip(body)
            #expect(decoded.data.body == body)
            #expect(decoded.data.header == header)
            #expect(decoded.type == "ocrfleet.job.\(body.kind.rawValue)")
            #expect(decoded.subject == "job-7")
            for field in fields + ["job_id", "attempt", "worker"] {
                #expect(data[field] != nil, "\(body.kind) lacks \(field)")
            }
        }
    }

    @Test func completedCarriesEachPagesConfidenceAndTheDoubtfulOnes() throws {
        let completed = JobCompleted(
            result: ResultSummary(url: "https://s/x.md", bytes: 10, sha256: "ab"),
            pages: 3,
            pagesFailed: [],
            engine: "tesseract",
            durationMs: 1200,
            timingsMs: [:],
            usage: PageUsage(pagesOCR: 2, pagesText: 1),
            pageConfidence: [PageConfidence(page: 1, confidence: 91), PageConfidence(page: 3, confidence: 41.5)],
            pagesLowConfidence: [3]
        )
        let (decoded, data) = try roundTrip(.completed(completed))
        #expect(decoded.data.body == .completed(completed))
        let pages = try #require(data["page_confidence"] as? [[String: Any]])
        #expect(pages.count == 2 && pages[1]["page"] as? Int == 3 && pages[1]["confidence"] as? Double == 41.5)
        #expect(data["pages_low_confidence"] as? [Int] == [3])
        // Events written before these fields decode with none.
        let older = try JSONDecoder().decode(
            JobCompleted.self,
            from: Data(
                #"{"result":{"url":"u","bytes":1,"sha256":"s"},"pages":1,"pages_failed":[],"engine":"tesseract","duration_ms":1,"timings_ms":{},"usage":{"pages_ocr":1,"pages_text":0}}"#
                    .utf8
            )
        )
        #expect(older.pageConfidence.isEmpty && older.pagesLowConfidence.isEmpty)
    }

    @Test func completedSaysWhereTheChunksWentOnlyWhenThereAreSome() throws {
        let chunks = ChunksSummary(url: "https://s/x.jsonl", bytes: 420, count: 3, sha256: "cd")
        let completed = JobCompleted(
            result: ResultSummary(url: "https://s/x.md", bytes: 10, sha256: "ab"),
            pages: 1,
            pagesFailed: [],
            engine: "tesseract",
            durationMs: 5,
            timingsMs: [:],
            usage: PageUsage(pagesOCR: 1, pagesText: 0),
            chunks: chunks
        )
        let (decoded, data) = try roundTrip(.completed(completed))
        #expect(decoded.data.body == .completed(completed))
        let object = try #require(data["chunks"] as? [String: Any])
        #expect(object["url"] as? String == "https://s/x.jsonl" && object["bytes"] as? Int == 420)
        #expect(object["count"] as? Int == 3 && object["sha256"] as? String == "cd")
        var without = completed
        without.chunks = nil
        #expect(try roundTrip(.completed(without)).1["chunks"] == nil)
    }

    @Test func failedEventCarriesCodeAndRetryability() throws {
        let (_, data) = try roundTrip(.failed(JobFailed(error: ErrorBody(OCRError(.corruptDocument, "bad")), willRetry: false)))
        let error = data["error"] as! [String: Any]
        #expect(error["code"] as? String == "corrupt_document")
        #expect(error["retryable"] as? Bool == false)
        #expect(data["will_retry"] as? Bool == false)
    }

    @Test func subjectsFollowTheContract() {
        #expect(Subjects.event(.progress, jobID: "j-1") == "ocr.events.progress.j-1")
        #expect(Subjects.jobs == "ocr.jobs" && Subjects.deadLetters == "ocr.dlq")
        #expect(StreamNames.workerConsumer == "ocr-workers" && StreamNames.jobStateBucket == "ocr-jobs")
    }

    @Test func errorClassesMatchTheContract() {
        let permanent: Set<ErrorCode> = [
            .invalidJob, .sourceNotFound, .sourceTooLarge, .unsupportedFormat, .corruptDocument, .encryptedDocument,
            .documentCrashed, .modelInvalidOutput, .resultRejected, .workerLost, .cancelled,
        ]
        #expect(ErrorCode.modelInvalidOutput.rawValue == "model_invalid_output")
        for code in ErrorCode.allCases {
            #expect(code.isRetryable == !permanent.contains(code), "\(code)")
        }
    }
}

@Suite struct DeadLetterTests {
    @Test func keepsAJSONJobWhole() throws {
        let original = Array(#"{"specversion":"1.0","id":"x","data":{"job_id":"j","n":[1,2]}}"#.utf8)
        let letter = DeadLetter(
            originalPayload: original,
            jobID: "j",
            error: OCRError(.invalidJob, "bad"),
            attempts: 1,
            firstAttemptAt: Date(),
            lastAttemptAt: Date(),
            streamSequence: 9
        )
        let encoded = try CloudEventCoding.encoder().encode(letter)
        let decoded = try CloudEventCoding.decoder().decode(DeadLetter.self, from: encoded)
        let expected = try JSONDecoder().decode(JSONValue.self, from: Data(original))
        #expect(decoded.original == expected)
        #expect(decoded.originalBase64 == nil)
        #expect(decoded.error.code == .invalidJob)
    }

    @Test func keepsNonJSONBytesAsBase64() throws {
        let letter = DeadLetter(
            originalPayload: [0xFF, 0x00, 0x41],
            jobID: nil,
            error: OCRError(.invalidJob, "bad"),
            attempts: 1,
            firstAttemptAt: nil,
            lastAttemptAt: Date(),
            streamSequence: 1
        )
        #expect(letter.original == nil)
        #expect(Data(base64Encoded: letter.originalBase64 ?? "") == Data([0xFF, 0x00, 0x41]))
        #expect(letter.jobURLs.isEmpty && letter.original(replacingURLs: [.source: "https://new"]) == nil)
    }

    /// A retry replaces the job's URLs in the original and leaves everything else as it was.
    @Test func theOriginalJobsURLsAreReadAndReplaced() throws {
        let original = Array(
            #"{"id":"x","data":{"job_id":"j","source":{"url":"https://s/a","size":3},"result":{"url":"https://r/a.md"}}}"#.utf8
        )
        let letter = DeadLetter(
            originalPayload: original,
            jobID: "j",
            error: OCRError(.sourceNotFound, "expired"),
            attempts: 1,
            firstAttemptAt: nil,
            lastAttemptAt: Date(),
            streamSequence: 1
        )
        #expect(letter.jobURLs.map(\.field) == [.source, .result])
        #expect(letter.jobURLs.map(\.url) == ["https://s/a", "https://r/a.md"])
        let replaced = try #require(letter.original(replacingURLs: [.source: "https://s/b", .layout: "https://r/a.json"]))
        let expected = try JSONDecoder().decode(
            JSONValue.self,
            from: Data(#"{"id":"x","data":{"job_id":"j","source":{"url":"https://s/b","size":3},"result":{"url":"https://r/a.md"}}}"#.utf8)
        )
        #expect(JSONValue.object(replaced) == expected, "no layout URL added where the job had none")
    }

    /// A retry signs a job's `extraction_url` afresh like its other result URLs.
    @Test func theExtractionURLIsOneOfTheJobsURLs() throws {
        let original = Array(
            #"{"id":"x","data":{"job_id":"j","source":{"url":"https://s/a"},"result":{"url":"https://r/a.md","extraction_url":"https://r/a.json"}}}"#
                .utf8
        )
        let letter = DeadLetter(
            originalPayload: original,
            jobID: "j",
            error: OCRError(.resultUploadFailed, "expired"),
            attempts: 1,
            firstAttemptAt: nil,
            lastAttemptAt: Date(),
            streamSequence: 1
        )
        #expect(letter.jobURLs.map(\.field) == [.source, .result, .extraction])
        #expect(JobURLField.extraction.path == "result.extraction_url" && JobURLField.extraction.isWritten)
        let replaced = try #require(letter.original(replacingURLs: [.extraction: "https://r/b.json"]))
        guard case .object(let data)? = replaced["data"], case .object(let result)? = data["result"] else {
            Issue.record("no result in \(replaced)")
            return
        }
        #expect(result["extraction_url"] == .string("https://r/b.json") && result["url"] == .string("https://r/a.md"))
    }
}
