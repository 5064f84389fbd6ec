import Foundation
import HTTPTypes
import Logging
import OCRFleetAPI
import OCRFleetBus
import OCRFleetContent
import OCRFleetMetrics
import OCRFleetModel
import OCRFleetTracing
import OpenAPIRuntime

extension Gateway {
    /// `POST /v1/jobs`. The job id is the caller's idempotency key: the first submission
    /// under an id claims it; the same request again is answered 200 with the job's state
    /// and changes nothing; a different request under a taken id is 409.
    public func submitJob(_ input: Operations.SubmitJob.Input) async throws -> Operations.SubmitJob.Output {
        let caller = try Caller.required()
        let submission: Submission
        switch input.body {
        case .json(let body): submission = try jsonSubmission(body, caller: caller)
        case .binary(let file), .any(let file):
            submission = try await uploadSubmission(.raw(file), query: input.query, caller: caller)
        case .multipartForm(let parts):
            submission = try await uploadSubmission(.multipart(parts), query: input.query, caller: caller)
        }
        defer { if let path = submission.upload?.path { store.discard(receivedAt: path) } }
        if let chunk = submission.job.options.chunk {
            if let problem = chunk.problem { throw APIError.invalid(problem.message, field: problem.field) }
            guard submission.job.result.chunksURL != nil else {
                throw APIError.invalid(
                    "options.chunk with a result of your own needs result.chunks_url, where chunks.jsonl is PUT",
                    field: "result.chunks_url"
                )
            }
        }
        try Self.checkAnalyses(submission.job)
        do {
            try submission.job.validate()
        } catch {
            throw APIError.invalid(error.message)
        }
        if let callback = submission.callback { try await checkCallback(callback) }
        let states = try streams.states()
        // A caller's trace continues through the job (the CloudEvents `traceparent` extension).
        let traceparent = JobTrace.traceparent(caller: input.headers.traceparent)
        let claim: JobStateStore.ClaimAnswer
        do {
            claim = try await states.claim(submission.job.jobID, digest: submission.digest)
        } catch {
            throw Self.unavailable(logger, "cannot claim a job id", submission.job.jobID, error)
        }
        switch claim {
        case .claimed:
            try await enqueue(submission, states: states, traceparent: traceparent)
            FleetMetrics.jobSubmitted(withCallback: submission.callback != nil)
            return .accepted(.init(body: .json(.init(jobID: submission.clientID, state: .queued, base: configuration.publicURL))))
        case .held(let held):
            return try await existing(submission, held: held, states: states, traceparent: traceparent)
        }
    }

    /// A claim whose submission has recorded no state after this long died half-way.
    static let abandonedClaim = Duration.seconds(60)

    /// The answer to a submission under an id that is taken: 409 for a different request;
    /// for the same one, the job as it is (200). A job still queued is published again, with
    /// the same message id, so a first request whose publish failed is made good and one whose
    /// publish landed is stored once, while the stream's duplicate window lasts.
    func existing(
        _ submission: Submission,
        held: JobStateStore.SubmissionClaim,
        states: JobStateStore,
        traceparent: String?
    ) async throws -> Operations.SubmitJob.Output {
        let clientID = submission.clientID
        guard held.digest == submission.digest else {
            throw APIError(
                .conflict,
                code: "job_exists",
                "job \(clientID) exists with a different request; choose another job_id",
                field: "job_id"
            )
        }
        let busID = submission.job.jobID
        let state: JobState?
        do {
            state = try await states.get(busID)
        } catch {
            throw Self.unavailable(logger, "cannot read a job", busID, error)
        }
        guard let state else {
            let age = Duration.seconds(Date().timeIntervalSince(held.claimedAt))
            if age > Self.abandonedClaim, try await states.takeOver(busID, from: held, digest: submission.digest) {
                try await enqueue(submission, states: states, traceparent: traceparent)
                return .accepted(.init(body: .json(.init(jobID: clientID, state: .queued, base: configuration.publicURL))))
            }
            throw APIError(
                .serviceUnavailable,
                code: "in_progress",
                "job \(clientID) is being submitted by another request; try again",
                retryAfter: .seconds(1)
            )
        }
        // Within the stream's duplicate window only: past it, a publish that landed (the usual
        // case) would be stored again and the job run twice.
        if state.state == .queued, Date().timeIntervalSince(held.claimedAt) < Double(FleetTopology.jobDuplicateWindow.components.seconds) {
            try await publish(submission.job, digest: submission.digest, traceparent: traceparent)
        }
        return .ok(.init(body: .json(.init(jobID: clientID, state: state.state, base: configuration.publicURL))))
    }

    /// Records the claimed job as queued, puts its upload in place, records its callback and
    /// publishes it. The callback is stored before the job is published: a fast job could end
    /// before it otherwise. Until the publish, a failure leaves nothing of the job behind, so
    /// the caller's retry starts afresh; a failed publish may yet have landed, so the job
    /// stays, and the caller's retry publishes it again.
    func enqueue(_ submission: Submission, states: JobStateStore, traceparent: String?) async throws {
        let job = submission.job
        do {
            try await checkTenantQueue(Self.tenant(of: job))
        } catch {
            try? await states.release(job.jobID, includingState: false)
            throw error
        }
        var state = JobState(jobID: job.jobID, state: .queued)
        state.createdAt = Date()
        state.metadata = job.metadata
        do {
            if let existing = try await states.get(job.jobID) {
                // Published on the bus directly, without a claim, or purged: not the gateway's
                // to take over.
                try? await states.release(job.jobID, includingState: false)
                throw APIError(
                    .conflict,
                    code: "job_exists",
                    existing.state == .purged
                        ? "job \(submission.clientID) was purged; its id stays taken until the retention sweep removes it; choose another job_id"
                        : "job \(submission.clientID) exists; choose another job_id",
                    field: "job_id"
                )
            }
            try await states.put(state)
            if let upload = submission.upload {
                try await store.commit(receivedAt: upload.path, key: upload.key, contentType: job.source.contentType)
            }
            if let callback = submission.callback { try await states.setCallback(callback, for: job.jobID) }
        } catch let error as APIError {
            throw error
        } catch {
            try? await states.release(job.jobID, includingState: true)
            throw Self.unavailable(logger, "cannot queue a job", job.jobID, error)
        }
        try await publish(job, digest: submission.digest, traceparent: traceparent)
        logger.info("job submitted", metadata: ["job_id": "\(job.jobID)"])
    }

    /// The tenant whose routes the job waits on: the one the gateway stamped.
    static func tenant(of job: JobRequest) -> String? { job.metadata?["tenant"] }

    /// Publishes the job on its tenant's route with a message id made of its id and request,
    /// which `OCR_JOBS` de-duplicates on for ten minutes.
    func publish(_ job: JobRequest, digest: String, traceparent: String?) async throws {
        let event = JobEvent.request(
            job,
            source: "urn:ocrfleet:gateway",
            id: "\(job.jobID).\(digest.prefix(32))",
            traceparent: traceparent
        )
        do {
            try await nats.publish(event, tenant: Self.tenant(of: job))
        } catch {
            throw Self.unavailable(logger, "cannot publish a job", job.jobID, error)
        }
    }

    static func unavailable(_ logger: Logger, _ what: String, _ jobID: String, _ error: any Error) -> APIError {
        logger.error("\(what)", metadata: ["job_id": "\(jobID)", "error": "\(error)"])
        return APIError(.serviceUnavailable, code: "unavailable", "the job cannot be queued now; try again")
    }

    /// A callback URL must be http(s) to a host webhooks may reach, on a gateway that signs them.
    func checkCallback(_ url: String) async throws {
        guard let webhooks = configuration.webhooks else {
            throw APIError.invalid("this gateway sends no webhooks (OCR_WEBHOOK_SECRET is unset)", field: "callback_url")
        }
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.utf8.count <= 2048 else {
            throw APIError.invalid("callback_url must be an http(s) URL of at most 2048 bytes", field: "callback_url")
        }
        do {
            try await webhooks.policy.check(url, checkAllowList: true)
        } catch {
            // One answer whether the host is refused or does not resolve: told apart, they
            // would let a caller learn which internal names exist. The log tells them apart.
            logger.notice("callback_url refused", metadata: ["reason": "\(error)"])
            throw APIError.invalid(
                "callback_url is refused: it must name a host the egress policy allows that resolves",
                field: "callback_url"
            )
        }
    }

    struct JSONSubmission: Decodable {
        var jobID: String?
        var source: SourceDocument
        var result: ResultTarget?
        var options: JobOptions?
        var metadata: [String: String]?
        var callbackURL: String?

        enum CodingKeys: String, CodingKey {
            case source, result, options, metadata
            case jobID = "job_id"
            case callbackURL = "callback_url"
        }
    }

    func jsonSubmission(_ body: Components.Schemas.Submission, caller: Caller) throws -> Submission {
        let submission: JSONSubmission
        do {
            submission = try APIJSON.convert(body, to: JSONSubmission.self)
        } catch let error as DecodingError {
            throw APIError.invalid("request body: \(error.summary)", field: error.fieldPath)
        }
        let clientID = try Self.jobID(submission.jobID, caller: caller)
        let options = submission.options ?? JobOptions()
        let job = JobRequest(
            jobID: caller.busID(clientID),
            source: submission.source,
            result: submission.result
                ?? ResultTarget(
                    url: resultPutURL(caller.storeKey("results/\(clientID).md")),
                    chunksURL: options.chunk == nil ? nil : resultPutURL(caller.storeKey(Self.chunksKey(clientID))),
                    extractionURL: options.analyses ? resultPutURL(caller.storeKey(Self.extractionKey(clientID))) : nil
                ),
            options: options,
            metadata: Self.metadata(submission.metadata, caller: caller)
        )
        let asked = Submission.Asked(
            source: submission.source,
            result: submission.result,
            options: options,
            metadata: submission.metadata,
            callbackURL: submission.callbackURL
        )
        return Submission(clientID: clientID, job: job, callback: submission.callbackURL, asked: asked)
    }

    /// `classify`, `split` and `extract` refused with the field at fault named; a schema's
    /// problem by its JSON pointer.
    static func checkAnalyses(_ job: JobRequest) throws(APIError) {
        let options = job.options
        if let problem = options.classify?.problem { throw APIError.invalid(problem.message, field: problem.field) }
        if options.split != nil, options.classify == nil {
            throw APIError.invalid("options.split cuts the document by page label: it needs options.classify", field: "options.split")
        }
        if let extract = options.extract {
            do {
                _ = try extract.parsedSchema()
            } catch {
                throw APIError.invalid(error.message, field: "options.extract.schema")
            }
            if let instructions = extract.instructions, instructions.unicodeScalars.count > ExtractionOptions.maxInstructionsLength {
                throw APIError.invalid(
                    "options.extract.instructions is over \(ExtractionOptions.maxInstructionsLength) characters",
                    field: "options.extract.instructions"
                )
            }
        }
        if options.analyses, job.result.extractionURL == nil {
            throw APIError.invalid(
                "options.classify, split and extract with a result of your own need result.extraction_url, where extraction.json is PUT",
                field: "result.extraction_url"
            )
        }
    }

    /// The caller's job id, or a new one; 400 when it is not a valid id for the caller.
    static func jobID(_ given: String?, caller: Caller) throws(APIError) -> String {
        guard let given else { return newJobID() }
        guard caller.isValidJobID(given) else {
            throw APIError.invalid(
                "job_id must be 1-\(caller.maxJobIDLength) characters of A-Z a-z 0-9 - _ =",
                field: "job_id"
            )
        }
        return given
    }

    /// The job's metadata as the gateway publishes it: the caller's, with `tenant` the
    /// caller's tenant whatever the request said.
    static func metadata(_ given: [String: String]?, caller: Caller) -> [String: String]? {
        var metadata = given ?? [:]
        metadata["tenant"] = caller.tenant
        return metadata.isEmpty ? nil : metadata
    }

    /// A file in the body, raw or as a multipart form's `file` part.
    enum UploadBody {
        case raw(HTTPBody)
        case multipart(MultipartBody<MultipartUpload.Part>)
    }

    /// A file in the body: multipart (`file` part, optional `options` JSON part, option
    /// fields) or raw bytes. The file is streamed to a spool file, put in place only if the
    /// job is new; options may also come as query parameters.
    func uploadSubmission(
        _ body: UploadBody,
        query: Operations.SubmitJob.Input.Query,
        caller: Caller
    ) async throws -> Submission {
        let clientID = try Self.jobID(query.jobId, caller: caller)
        let path = try store.spoolPath()
        do {
            return try await receive(body, query: query, clientID: clientID, caller: caller, path: path)
        } catch {
            store.discard(receivedAt: path)
            throw error
        }
    }

    /// The query's options by their wire names, for the parameters that are set.
    static func optionParameters(_ query: Operations.SubmitJob.Input.Query) -> [String: String] {
        let given: [String: String?] = [
            "engine": query.engine?.rawValue, "mode": query.mode?.rawValue, "pages": query.pages,
            "resolution": query.resolution?.rawValue, "prompt": query.prompt?.rawValue,
            "on_page_error": query.onPageError?.rawValue, "headers_footers": query.headersFooters?.rawValue,
            "priority": query.priority?.rawValue, "chunk": query.chunk?.rawValue, "chunk_size": query.chunkSize.map { String($0) },
            "chunk_overlap": query.chunkOverlap.map { String($0) }, "split": query.split?.rawValue, "password": query.password,
            "timeout_s": query.timeoutS.map { String($0) }, "languages": query.languages,
        ]
        return given.compactMapValues { $0 }
    }

    private func receive(
        _ body: UploadBody,
        query: Operations.SubmitJob.Input.Query,
        clientID: String,
        caller: Caller,
        path: String
    )
        async throws -> Submission
    {
        let upload: UploadedFile
        switch body {
        case .raw(let file):
            upload = try await MultipartUpload.receiveRaw(file, to: path, maxBytes: configuration.maxUploadBytes)
        case .multipart(let parts):
            upload = try await MultipartUpload.receive(
                parts,
                to: path,
                maxBytes: configuration.maxUploadBytes,
                shape: MultipartShape.current
            )
        }
        guard upload.bytes > 0 else { throw APIError.invalid("the uploaded file is empty", field: "file") }
        FleetMetrics.gatewayReceived(bytes: upload.bytes)

        var optionFields: [String: Any] = [:]
        if let text = upload.fields["options"] {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw APIError.invalid("the options part is not a JSON object", field: "options")
            }
            optionFields = object
        }
        let parameters = upload.fields.merging(Self.optionParameters(query)) { _, query in query }
        for name in ["engine", "mode", "pages", "resolution", "prompt", "on_page_error", "headers_footers", "priority", "password"] {
            if let value = parameters[name] { optionFields[name] = value }
        }
        if let text = parameters["timeout_s"] {
            guard let seconds = Int(text) else { throw APIError.invalid("timeout_s must be whole seconds", field: "options.timeout_s") }
            optionFields["timeout_s"] = seconds
        }
        if let languages = parameters["languages"] {
            optionFields["languages"] = languages.split(whereSeparator: { $0 == "," || $0 == "+" }).map(String.init)
        }
        if let chunk = try Self.chunkFields(parameters, options: optionFields["chunk"]) { optionFields["chunk"] = chunk }
        var options: JobOptions
        do {
            options = try JSONDecoder().decode(
                JobOptions.self,
                from: JSONSerialization.data(withJSONObject: optionFields)
            )
        } catch let error as DecodingError {
            throw APIError.invalid("options: \(error.summary)", field: error.fieldPath.map { "options.\($0)" })
        }
        try AnalysisFields.apply(parameters, to: &options)
        let filename = query.filename ?? upload.filename
        let callback = query.callbackUrl
        let objectKey = caller.storeKey("sources/\(clientID)/source")
        let source = SourceDocument(
            url: store.presignedURL(.get, key: objectKey, lifetime: configuration.urlLifetime),
            contentType: upload.contentType,
            filename: filename,
            size: upload.bytes,
            sha256: upload.sha256
        )
        let job = JobRequest(
            jobID: caller.busID(clientID),
            source: source,
            result: ResultTarget(
                url: resultPutURL(caller.storeKey("results/\(clientID).md")),
                layoutURL: resultPutURL(caller.storeKey(Self.layoutKey(clientID))),
                chunksURL: options.chunk == nil ? nil : resultPutURL(caller.storeKey(Self.chunksKey(clientID))),
                extractionURL: options.analyses ? resultPutURL(caller.storeKey(Self.extractionKey(clientID))) : nil
            ),
            options: options,
            metadata: Self.metadata(nil, caller: caller)
        )
        let asked = Submission.Asked(
            upload: .init(sha256: upload.sha256, bytes: upload.bytes, contentType: upload.contentType, filename: filename),
            options: options,
            callbackURL: callback
        )
        return Submission(
            clientID: clientID,
            job: job,
            callback: callback,
            asked: asked,
            upload: Submission.Upload(path: path, key: objectKey)
        )
    }

    /// `options.chunk` from the `chunk`, `chunk_size` and `chunk_overlap` parameters over what
    /// the options part says of it; nil when neither asks for chunks.
    static func chunkFields(_ parameters: [String: String], options: Any?) throws(APIError) -> [String: Any]? {
        let given = ["chunk", "chunk_size", "chunk_overlap"].filter { parameters[$0] != nil }
        guard !given.isEmpty else { return nil }
        var chunk = options as? [String: Any] ?? [:]
        if let strategy = parameters["chunk"] { chunk["strategy"] = strategy }
        for (name, key) in [("chunk_size", "size"), ("chunk_overlap", "overlap")] {
            guard let text = parameters[name] else { continue }
            guard let value = Int(text) else {
                throw APIError.invalid("\(name) must be a whole number of tokens", field: "options.chunk.\(key)")
            }
            chunk[key] = value
        }
        return chunk
    }

    func resultPutURL(_ key: String) -> String {
        store.presignedURL(.put, key: key, lifetime: configuration.urlLifetime)
    }
}
