import Foundation
import HTTPTypes
import OpenAPIRuntime
import Synchronization

/// A gateway stand-in: answers every request with one canned response (or fails to connect),
/// and keeps the requests it was sent.
final class CannedTransport: ClientTransport {
    struct Unreachable: Error {}

    let status: HTTPResponse.Status?
    let headers: HTTPFields
    let body: String
    private let sent = Mutex<[HTTPRequest]>([])

    /// `status` nil: the connection is refused.
    init(_ status: HTTPResponse.Status?, headers: HTTPFields = [:], body: String = "") {
        self.status = status
        self.headers = headers
        self.body = body
    }

    var requests: [HTTPRequest] { sent.withLock { $0 } }

    func send(_ request: HTTPRequest, body _: HTTPBody?, baseURL: URL, operationID: String) async throws -> (HTTPResponse, HTTPBody?) {
        sent.withLock { $0.append(request) }
        guard let status else { throw Unreachable() }
        return (HTTPResponse(status: status, headerFields: headers), HTTPBody(body))
    }
}
