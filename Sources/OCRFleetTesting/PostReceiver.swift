import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// An HTTP endpoint that receives POSTs for a test (webhooks, OTLP trace exports): it records
/// each one (headers lower-cased, body) and can answer 500 to the first ones, as a receiver
/// that is down does. Accepted POSTs get an empty body of `contentType` when one is given (an
/// OTLP exporter reads an empty protobuf message as full success).
public struct PostReceiver: Sendable {
    public struct Delivery: Sendable {
        public var headers: [String: String]
        public var body: [UInt8]
        /// The status the receiver answered.
        public var status: Int
    }

    public let port: Int
    public let path: String
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var url: String { baseURL + path }
    let log: DeliveryLog

    /// Every POST received, in order, refused ones included.
    public var deliveries: [Delivery] { log.entries.withLock { $0 } }

    /// Waits until `count` deliveries have been accepted (2xx); fails after `timeout`.
    public func accepted(_ count: Int, timeout: Duration = .seconds(60)) async throws -> [Delivery] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let accepted = deliveries.filter { $0.status == 200 }
            if accepted.count >= count { return accepted }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestEnvironmentError("\(count) webhooks were not accepted within \(timeout); got \(deliveries.count) tries")
    }
}

final class DeliveryLog: Sendable {
    let entries = Mutex<[PostReceiver.Delivery]>([])
    let refusals: Mutex<Int>

    init(refusals: Int) { self.refusals = Mutex(refusals) }
}

/// Runs `body` with a receiver of POSTs to `path` that answers 500 to the first `failing`.
public func withPostReceiver<T>(
    path: String = "/hooks/ocr",
    failing: Int = 0,
    contentType: String? = nil,
    _ body: (PostReceiver) async throws -> T
)
    async throws -> T
{
    let log = DeliveryLog(refusals: failing)
    let router = Router()
    router.post(RouterPath(path)) { request, _ -> Response in
        let bytes = try await request.body.collect(upTo: 1 << 20)
        let refuse = log.refusals.withLock { left in
            defer { left = max(left - 1, 0) }
            return left > 0
        }
        let headers = Dictionary(request.headers.map { ($0.name.canonicalName, $0.value) }) { first, _ in first }
        let status = refuse ? 500 : 200
        log.entries.withLock { $0.append(.init(headers: headers, body: Array(bytes.readableBytesView), status: status)) }
        guard !refuse else { return Response(status: .internalServerError) }
        var answer = HTTPFields()
        answer[.contentType] = contentType
        return Response(status: .ok, headers: answer)
    }
    let services = try await RunningServices.serve("the POST receiver", router: router)
    return try await services.whileRunning { try await body(PostReceiver(port: services.port, path: path, log: log)) }
}
