import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOCore
import NIOFileSystem
import OCRFleetAPI
import OCRFleetModel
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

/// The gateway's HTTP API as `ocrctl`, the backfill and the tests use it: the client generated
/// from `openapi.yaml`, with the answers the callers need and every refusal a `GatewayError`.
public struct GatewayClient: Sendable {
    public let baseURL: String
    /// The generated client itself, for the operations this type does not wrap.
    public let api: Client

    /// - Parameter timeout: how long a request may take to get its answer's head (an upload
    ///   included); a body, such as an event stream, may take as long as it takes.
    public init(baseURL: String, token: String?, http: HTTPClient = .shared, timeout: TimeAmount = .minutes(10)) throws {
        try self.init(
            baseURL: baseURL,
            token: token,
            transport: AsyncHTTPClientTransport(configuration: .init(client: http, timeout: timeout))
        )
    }

    init(baseURL: String, token: String?, transport: any ClientTransport) throws {
        let trimmed = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        guard let url = URL(string: trimmed), url.scheme == "http" || url.scheme == "https" else {
            throw GatewayError(description: "not a gateway URL: \(baseURL)")
        }
        self.baseURL = trimmed
        api = Client(
            serverURL: url,
            configuration: Configuration(dateTranscoder: TimestampTranscoder()),
            transport: transport,
            middlewares: (token.map { [BearerTokenMiddleware(token: $0)] } ?? []) + [GatewayErrorMiddleware()]
        )
    }

    /// Streams a local file to `POST /v1/jobs` with its length, never holding it whole. The
    /// options go in the query; labels and a schema, which do not belong in a URL, make it a
    /// multipart upload whose `classify`, `extract` and `instructions` fields carry them.
    public func submit(
        file path: String,
        jobID: String? = nil,
        options: Components.Schemas.Options = .init()
    ) async throws -> Components.Schemas.Accepted {
        let query = Operations.SubmitJob.Input.Query(
            jobID: jobID,
            filename: (path as NSString).lastPathComponent,
            options: options
        )
        return try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
            let size = try await handle.info().size
            let chunks = handle.readChunks().map { ArraySlice($0.readableBytesView) }
            let body = HTTPBody(chunks, length: .known(size), iterationBehavior: .single)
            let fields = try Self.analysisFields(options)
            guard !fields.isEmpty else { return try await submit(.init(query: query, body: .binary(body))) }
            let file = Operations.SubmitJob.Input.Body.MultipartFormPayload.file(
                .init(payload: .init(body: body), filename: query.filename)
            )
            return try await submit(.init(query: query, body: .multipartForm(MultipartBody(fields + [file]))))
        }
    }

    /// The form fields of the options a query cannot carry: `classify` and `extract` as JSON,
    /// `instructions` as text.
    static func analysisFields(
        _ options: Components.Schemas.Options
    ) throws -> [Operations.SubmitJob.Input.Body.MultipartFormPayload] {
        var fields: [Operations.SubmitJob.Input.Body.MultipartFormPayload] = []
        if let classify = options.classify {
            fields.append(.classify(.init(payload: .init(body: HTTPBody(try JSONEncoder().encode(classify))))))
        }
        if let extract = options.extract {
            fields.append(.extract(.init(payload: .init(body: HTTPBody(try JSONEncoder().encode(extract.schema))))))
            if let instructions = extract.instructions {
                fields.append(.instructions(.init(payload: .init(body: HTTPBody(instructions)))))
            }
        }
        return fields
    }

    /// Submits a document the workers can fetch themselves (`POST /v1/jobs` with JSON).
    public func submit(_ submission: Components.Schemas.Submission) async throws -> Components.Schemas.Accepted {
        try await submit(.init(body: .json(submission)))
    }

    /// The job queued now (202), or queued before by the same request (200).
    private func submit(_ input: Operations.SubmitJob.Input) async throws -> Components.Schemas.Accepted {
        switch try await call({ try await api.submitJob(input) }) {
        case .accepted(let answer): return try answer.body.json
        case .ok(let answer): return try answer.body.json
        case let other: throw unexpected(other)
        }
    }

    public func state(_ id: String) async throws -> JobState {
        switch try await call({ try await api.getJob(path: .init(id: id)) }) {
        case .ok(let answer): return try JobState(try answer.body.json)
        case let other: throw unexpected(other)
        }
    }

    /// The job's state, or nil when the gateway knows no such job.
    public func stateIfKnown(_ id: String) async throws -> JobState? {
        do {
            return try await state(id)
        } catch let error as GatewayError where error.status == 404 {
            return nil
        }
    }

    /// A completed job's markdown (followed to wherever the gateway redirects).
    public func result(_ id: String) async throws -> String {
        switch try await call({ try await api.getResult(path: .init(id: id)) }) {
        case .ok(let answer): return try await String(collecting: try answer.body.textMarkdownCharsetUtf8, upTo: 256 << 20)
        case let other: throw unexpected(other)
        }
    }

    /// A completed job's `chunks.jsonl`, one JSON object per chunk and line (followed to
    /// wherever the gateway redirects); a 404 `GatewayError` when the job has none.
    public func chunks(_ id: String) async throws -> String {
        switch try await call({ try await api.getChunks(path: .init(id: id)) }) {
        case .ok(let answer): return try await String(collecting: try answer.body.applicationJsonl, upTo: 256 << 20)
        case let other: throw unexpected(other)
        }
    }

    /// A completed job's `extraction.json` (followed to wherever the gateway redirects); a 404
    /// `GatewayError` when the job asked for no `classify`, `split` or `extract`.
    public func extraction(_ id: String) async throws -> ExtractionDocument {
        try await extraction(id, version: nil)
    }

    /// Jobs in `OCR_JOBS` (waiting or running) and the gateway's limit on them.
    public func queue() async throws -> Components.Schemas.Queue {
        switch try await call({ try await api.getQueue() }) {
        case .ok(let answer): return try answer.body.json
        case let other: throw unexpected(other)
        }
    }

    /// Asks the gateway to cancel the job; its state when asked.
    public func cancel(_ id: String) async throws -> Components.Schemas.Phase {
        switch try await call({ try await api.cancelJob(path: .init(id: id)) }) {
        case .accepted(let answer): return try answer.body.json.state
        case let other: throw unexpected(other)
        }
    }

    /// Removes an ended job and everything kept of it (`DELETE /v1/jobs/{id}?purge=true`);
    /// what was removed.
    public func purge(_ id: String) async throws -> Components.Schemas.Purged {
        switch try await call({ try await api.cancelJob(path: .init(id: id), query: .init(purge: true)) }) {
        case .ok(let answer): return try answer.body.json
        case let other: throw unexpected(other)
        }
    }

    /// Runs a failed job again from its dead letter, with fresh URLs into the gateway's store
    /// (`POST /v1/jobs/{id}/retry`); the job's state then (`queued`).
    public func retry(_ id: String) async throws -> Components.Schemas.Phase {
        switch try await call({ try await api.retryJob(path: .init(id: id)) }) {
        case .accepted(let answer): return try answer.body.json.state
        case let other: throw unexpected(other)
        }
    }

    /// The job's lifecycle events as the gateway streams them (history, then live, until the
    /// event that ends the job), each decoded as it arrives; keep-alive comments are skipped.
    public func events(_ id: String) async throws -> some AsyncSequence<LifecycleEvent, any Error> {
        switch try await call({ try await api.followJob(path: .init(id: id)) }) {
        case .ok(let answer):
            return try answer.body.textEventStream.asDecodedServerSentEvents().compactMap { event in
                try event.data.map { try LifecycleEvent.decode(Array($0.utf8)) }
            }
        case let other: throw unexpected(other)
        }
    }

    /// Runs one operation, with the runtime's wrapping taken off the errors callers act on.
    func call<Output>(_ operation: () async throws -> Output) async throws -> Output {
        do {
            return try await operation()
        } catch let error as ClientError {
            if let refusal = error.underlyingError as? GatewayError { throw refusal }
            guard let response = error.response else {
                throw GatewayError(description: "cannot reach the gateway at \(baseURL): \(error.underlyingError)")
            }
            throw GatewayError(
                description: "unexpected answer from the gateway: \(error.causeDescription): \(error.underlyingError)",
                status: response.status.code
            )
        }
    }

    /// An answer below 400 that the operation does not expect (a redirect not followed).
    func unexpected(_ output: some Sendable) -> GatewayError {
        GatewayError(description: "unexpected answer from the gateway at \(baseURL): \(output)")
    }
}
