import Foundation

public typealias JobEvent = CloudEvent<JobRequest>

extension CloudEvent where Payload == JobRequest {
    /// A job request event with the contract's type and subject.
    public static func request(
        _ job: JobRequest,
        source: String,
        id: String = UUID().uuidString.lowercased(),
        traceparent: String? = nil
    ) -> JobEvent {
        JobEvent(
            id: id,
            source: source,
            type: EventTypes.jobRequested,
            subject: job.jobID,
            traceparent: traceparent,
            data: job
        )
    }

    /// Reads a job from a received message: structured mode (the CloudEvent is the body) or
    /// the binary mode of the NATS binding (`ce-*` headers, `data` as the body). Anything
    /// that is not a valid job is an `invalid_job` whose message says what is wrong.
    public static func parse(body: [UInt8], headers: [String: String]) throws(OCRError) -> JobEvent {
        let decoder = CloudEventCoding.decoder()
        let event: JobEvent
        if let specversion = headers["ce-specversion"] {
            let attributes = ["ce-id", "ce-source", "ce-type"]
            for name in attributes where (headers[name] ?? "").isEmpty {
                throw OCRError(.invalidJob, "binary-mode CloudEvent lacks the \(name) header")
            }
            let data: JobRequest
            do {
                data = try decoder.decode(JobRequest.self, from: Data(body))
            } catch {
                throw OCRError(.invalidJob, "job data is not valid: \(describe(error))")
            }
            var binary = JobEvent(
                id: headers["ce-id"]!,
                source: headers["ce-source"]!,
                type: headers["ce-type"]!,
                subject: headers["ce-subject"],
                traceparent: headers["traceparent"],
                data: data
            )
            binary.specversion = specversion
            binary.time = headers["ce-time"].flatMap(Timestamp.parse)
            event = binary
        } else {
            guard (try? JSONSerialization.jsonObject(with: Data(body))) is [String: Any] else {
                throw OCRError(.invalidJob, "message is not a JSON CloudEvent")
            }
            do {
                event = try decoder.decode(JobEvent.self, from: Data(body))
            } catch {
                throw OCRError(.invalidJob, "not a valid job CloudEvent: \(describe(error))")
            }
        }
        guard event.specversion == "1.0" else {
            throw OCRError(.invalidJob, "unsupported CloudEvents specversion '\(event.specversion)'")
        }
        guard !event.id.isEmpty, !event.source.isEmpty else {
            throw OCRError(.invalidJob, "CloudEvent id and source must not be empty")
        }
        guard event.type == EventTypes.jobRequested else {
            throw OCRError(.invalidJob, "CloudEvent type is '\(event.type)', expected '\(EventTypes.jobRequested)'")
        }
        try event.data.validate()
        return event
    }

    /// The job id of a payload that may not be a valid job, so its failure can still be
    /// published under the right subject.
    public static func salvageJobID(body: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return nil }
        let data = object["data"] as? [String: Any] ?? object
        guard let id = data["job_id"] as? String, JobRequest.isValidJobID(id) else { return nil }
        return id
    }

    /// The W3C `traceparent` a job message carries (its CloudEvent extension, or the binary
    /// mode's header), read before the job is validated so that even a failing job is traced.
    public static func salvageTraceparent(body: [UInt8], headers: [String: String]) -> String? {
        if let header = headers["traceparent"] ?? headers["ce-traceparent"] { return header }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return nil }
        return object["traceparent"] as? String
    }
}

extension JobRequest {
    /// The longest job id, in bytes.
    public static let maxJobIDLength = 200

    /// Job ids become a NATS subject token and a KV key, so they are limited to characters
    /// valid in both.
    public static func isValidJobID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= maxJobIDLength
            && id.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "="):
                    true
                default: false
                }
            }
    }

    public func validate() throws(OCRError) {
        guard Self.isValidJobID(jobID) else {
            throw OCRError(.invalidJob, "job_id '\(jobID)' must be 1-200 characters of A-Z a-z 0-9 - _ =")
        }
        let optional = [
            ("result.layout_url", result.layoutURL), ("result.chunks_url", result.chunksURL),
            ("result.extraction_url", result.extractionURL),
        ]
        let urls = [("source.url", source.url), ("result.url", result.url)] + optional.compactMap { name, url in url.map { (name, $0) } }
        for (field, text) in urls {
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
                scheme == "http" || scheme == "https", url.host != nil
            else {
                throw OCRError(.invalidJob, "\(field) must be an absolute http(s) URL")
            }
        }
        guard !options.languages.isEmpty,
            options.languages.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0 == "_" } })
        else {
            throw OCRError(.invalidJob, "options.languages must list Tesseract language codes such as 'eng'")
        }
        if let timeout = options.timeoutSeconds, timeout <= 0 {
            throw OCRError(.invalidJob, "options.timeout_s must be positive")
        }
        if let chunk = options.chunk {
            try chunk.validate()
            guard result.chunksURL != nil else {
                throw OCRError(.invalidJob, "options.chunk needs result.chunks_url, the presigned URL chunks.jsonl is written to")
            }
        }
        try options.classify?.validate()
        try options.extract?.validate()
        if let review = options.review {
            guard options.extract != nil else {
                throw OCRError(.invalidJob, "options.review sends extracted values to people: it needs options.extract")
            }
            try review.validate()
            // The tenant names the job's review lane, a subject token: refused before any work.
            if let tenant = metadata?["tenant"], !ReviewItem.isValidTenant(tenant) {
                throw OCRError(
                    .invalidJob,
                    "options.review needs metadata.tenant to be 1-40 of A-Z, a-z, 0-9, - and _ (its review lane), not '\(tenant.prefix(64))'"
                )
            }
        }
        if options.split != nil, options.classify == nil {
            throw OCRError(.invalidJob, "options.split cuts the document by page label: it needs options.classify")
        }
        if options.analyses, result.extractionURL == nil {
            throw OCRError(
                .invalidJob,
                "options.classify, options.split and options.extract need result.extraction_url, the presigned URL extraction.json is written to"
            )
        }
    }
}

/// A decoding failure as an `invalid_job` message.
func describe(_ error: any Error) -> String {
    (error as? DecodingError)?.summary ?? "\(error)"
}
