import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFileSystem
import NIOHTTP1
import OCRFleetModel

/// The gateway's HTTP API as `ocrctl` and the backfill use it.
public struct GatewayClient: Sendable {
    public let baseURL: String
    public let token: String?
    let http: HTTPClient

    public init(baseURL: String, token: String?, http: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.http = http
    }

    /// A request the gateway refused or could not be sent. `retryAfter` is set when the
    /// gateway asked the client to come back later (429, 503).
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public var status: Int?
        public var code: String?
        public var retryAfter: Duration?
    }

    /// The gateway's answer to a submission, a cancel or a retry request.
    struct Submitted: Decodable {
        var jobID: String
        var state: String
        enum CodingKeys: String, CodingKey {
            case state
            case jobID = "job_id"
        }
    }

    /// Streams a local file to `POST /v1/jobs`; `query` carries the job id and options.
    public func submit(file path: String, query: [String: String]) async throws -> String {
        let filename = (path as NSString).lastPathComponent
        let parameters = query.merging(["filename": filename]) { old, _ in old }
        var request = HTTPClientRequest(url: "\(baseURL)/v1/jobs?\(Self.encode(parameters))")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        authorize(&request)
        return try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
            let size = try await handle.info().size
            request.body = .stream(handle.readChunks(), length: .known(size))
            return try await submitted(request)
        }
    }

    /// Submits a document that is already reachable by URL.
    public func submit(url: String, options: [String: Any]) async throws -> String {
        try await submit(json: ["source": ["url": url], "options": options])
    }

    /// Submits a JSON job body as `POST /v1/jobs` takes it (docs/api.md).
    public func submit(json body: [String: Any]) async throws -> String {
        var request = HTTPClientRequest(url: "\(baseURL)/v1/jobs")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        authorize(&request)
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        return try await submitted(request)
    }

    public func state(_ id: String) async throws -> JobState {
        try CloudEventCoding.decoder().decode(JobState.self, from: Data(try await stateJSON(id).utf8))
    }

    /// The job's state, or nil when the gateway knows no such job.
    public func stateIfKnown(_ id: String) async throws -> JobState? {
        do {
            return try await state(id)
        } catch let failure as Failure where failure.status == 404 {
            return nil
        }
    }

    public func stateJSON(_ id: String) async throws -> String {
        try await get("/v1/jobs/\(id)")
    }

    public func result(_ id: String) async throws -> String {
        try await get("/v1/jobs/\(id)/result")
    }

    /// Jobs in `OCR_JOBS` (waiting or running) and the gateway's limit on them.
    public func queue() async throws -> (jobs: Int, maxBacklog: Int) {
        let body = try await get("/v1/queue")
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] ?? [:]
        return (object["jobs"] as? Int ?? 0, object["max_backlog"] as? Int ?? 0)
    }

    /// Asks the gateway to cancel the job; returns its state when the request was accepted.
    public func cancel(_ id: String) async throws -> String {
        try await accepted(.DELETE, "/v1/jobs/\(id)")
    }

    /// Asks the gateway to run a failed job again from its dead letter, with fresh URLs into
    /// its store (`POST /v1/jobs/{id}/retry`); returns the job's state then (`queued`).
    public func retry(_ id: String) async throws -> String {
        try await accepted(.POST, "/v1/jobs/\(id)/retry")
    }

    /// Sends a bodiless request that the gateway answers 202 with the job's state.
    private func accepted(_ method: HTTPMethod, _ path: String) async throws -> String {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        authorize(&request)
        let response = try await execute(request)
        let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
        guard response.status == .accepted else { throw Self.failure(response, body) }
        return try JSONDecoder().decode(Submitted.self, from: Data(body.utf8)).state
    }

    private func get(_ path: String) async throws -> String {
        var request = HTTPClientRequest(url: baseURL + path)
        authorize(&request)
        let response = try await execute(request)
        let body = String(buffer: try await response.body.collect(upTo: 256 << 20))
        guard response.status == .ok else { throw Self.failure(response, body) }
        return body
    }

    /// The job's id: queued now (202), or queued before by the same request (200).
    private func submitted(_ request: HTTPClientRequest) async throws -> String {
        let response = try await execute(request)
        let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
        guard response.status == .accepted || response.status == .ok else { throw Self.failure(response, body) }
        return try JSONDecoder().decode(Submitted.self, from: Data(body.utf8)).jobID
    }

    private func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        do {
            return try await http.execute(request, timeout: .minutes(10))
        } catch {
            throw Failure(description: "cannot reach the gateway at \(baseURL): \(error)")
        }
    }

    private func authorize(_ request: inout HTTPClientRequest) {
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
    }

    /// The gateway's JSON error (code and message), or the status line.
    static func failure(_ response: HTTPClientResponse, _ body: String) -> Failure {
        let status = Int(response.status.code)
        let retryAfter = response.headers.first(name: "retry-after").flatMap(Int.init).map { Duration.seconds($0) }
        if let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let error = object["error"] as? [String: Any], let message = error["message"] as? String
        {
            let code = error["code"] as? String
            return Failure(
                description: "\(status) \(code ?? ""): \(message)",
                status: status,
                code: code,
                retryAfter: retryAfter
            )
        }
        return Failure(description: "HTTP \(status) \(body.prefix(200))", status: status, retryAfter: retryAfter)
    }

    static func encode(_ parameters: [String: String]) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?")
        return parameters.sorted { $0.key < $1.key }.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }.joined(separator: "&")
    }
}
