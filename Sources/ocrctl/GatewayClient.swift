import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFileSystem
import NIOHTTP1
import OCRFleetModel

/// The gateway's HTTP API as `ocrctl` uses it.
struct GatewayClient: Sendable {
    let baseURL: String
    let token: String?
    let http = HTTPClient.shared

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The gateway's answer to a submission or a cancel request.
    struct Submitted: Decodable {
        var jobID: String
        var state: String
        enum CodingKeys: String, CodingKey {
            case state
            case jobID = "job_id"
        }
    }

    /// Streams a local file to `POST /v1/jobs`.
    func submit(file path: String, query: [String: String]) async throws -> String {
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
    func submit(url: String, options: [String: Any]) async throws -> String {
        var request = HTTPClientRequest(url: "\(baseURL)/v1/jobs")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        authorize(&request)
        let body: [String: Any] = ["source": ["url": url], "options": options]
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        return try await submitted(request)
    }

    func state(_ id: String) async throws -> JobState {
        try CloudEventCoding.decoder().decode(JobState.self, from: Data(try await stateJSON(id).utf8))
    }

    func stateJSON(_ id: String) async throws -> String {
        try await get("/v1/jobs/\(id)")
    }

    func result(_ id: String) async throws -> String {
        try await get("/v1/jobs/\(id)/result")
    }

    /// Asks the gateway to cancel the job; returns its state when the request was accepted.
    func cancel(_ id: String) async throws -> String {
        var request = HTTPClientRequest(url: baseURL + "/v1/jobs/\(id)")
        request.method = .DELETE
        authorize(&request)
        let response = try await execute(request)
        let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
        guard response.status == .accepted else { throw Failure(description: Self.explain(response.status, body)) }
        return try JSONDecoder().decode(Submitted.self, from: Data(body.utf8)).state
    }

    private func get(_ path: String) async throws -> String {
        var request = HTTPClientRequest(url: baseURL + path)
        authorize(&request)
        let response = try await execute(request)
        let body = String(buffer: try await response.body.collect(upTo: 256 << 20))
        guard response.status == .ok else { throw Failure(description: Self.explain(response.status, body)) }
        return body
    }

    private func submitted(_ request: HTTPClientRequest) async throws -> String {
        let response = try await execute(request)
        let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
        guard response.status == .accepted else { throw Failure(description: Self.explain(response.status, body)) }
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

    /// The gateway's JSON error message, or the status line.
    static func explain(_ status: HTTPResponseStatus, _ body: String) -> String {
        if let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let error = object["error"] as? [String: Any], let message = error["message"] as? String
        {
            return "\(status.code) \(error["code"] as? String ?? ""): \(message)"
        }
        return "HTTP \(status.code) \(body.prefix(200))"
    }

    static func encode(_ parameters: [String: String]) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?")
        return parameters.sorted { $0.key < $1.key }.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }.joined(separator: "&")
    }
}
