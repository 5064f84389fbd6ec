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

    @Test func everyKindRoundTripsWithContractFieldNames() throws {
        let completed = JobCompleted(
            result: ResultSummary(url: "https://s/x.md", bytes: 10, sha256: "ab"), pages: 3, pagesFailed: [2],
            engine: "tesseract", durationMs: 1200, timingsMs: ["download": 5], usage: PageUsage(pagesOCR: 3, pagesText: 0))
        let cases: [(LifecycleData.Body, [String])] = [
            (.started(JobStarted(format: "pdf", pagesTotal: 3, engine: "tesseract")), ["format", "pages_total", "engine"]),
            (.progress(JobProgress(pagesDone: 1, pagesTotal: 3)), ["pages_done", "pages_total"]),
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
            .documentCrashed, .resultRejected, .cancelled,
        ]
        for code in ErrorCode.allCases {
            #expect(code.isRetryable == !permanent.contains(code), "\(code)")
        }
    }
}

@Suite struct DeadLetterTests {
    @Test func keepsAJSONJobWhole() throws {
        let original = Array(#"{"specversion":"1.0","id":"x","data":{"job_id":"j","n":[1,2]}}"#.utf8)
        let letter = DeadLetter(
            originalPayload: original, jobID: "j", error: OCRError(.invalidJob, "bad"), attempts: 1,
            firstAttemptAt: Date(), lastAttemptAt: Date(), streamSequence: 9)
        let encoded = try CloudEventCoding.encoder().encode(letter)
        let decoded = try CloudEventCoding.decoder().decode(DeadLetter.self, from: encoded)
        let expected = try JSONDecoder().decode(JSONValue.self, from: Data(original))
        #expect(decoded.original == expected)
        #expect(decoded.originalBase64 == nil)
        #expect(decoded.error.code == .invalidJob)
    }

    @Test func keepsNonJSONBytesAsBase64() throws {
        let letter = DeadLetter(
            originalPayload: [0xFF, 0x00, 0x41], jobID: nil, error: OCRError(.invalidJob, "bad"), attempts: 1,
            firstAttemptAt: nil, lastAttemptAt: Date(), streamSequence: 1)
        #expect(letter.original == nil)
        #expect(Data(base64Encoded: letter.originalBase64 ?? "") == Data([0xFF, 0x00, 0x41]))
    }
}
