import Hummingbird
import NIOCore
import OCRFleetAPI
import OCRFleetClient
import Synchronization

/// An object store for fault tests: serves one source document at `/source` and accepts
/// result PUTs at `/results/<key>`, counting them per key, so a test can tell how often a
/// job's result was uploaded. It can answer 503 to the next requests, as a struggling store does.
public struct CountingStore: Sendable {
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    let counter: PutCounter

    /// PUTs stored (not refused), by key.
    public var uploads: [String: Int] { counter.counts.withLock { $0 } }

    /// The next `downloads` GETs and `uploads` PUTs are answered 503.
    public func fail(downloads: Int = 0, uploads: Int = 0) {
        counter.failures.withLock { $0 = (downloads, uploads) }
    }
}

final class PutCounter: Sendable {
    let counts = Mutex<[String: Int]>([:])
    let failures = Mutex<(downloads: Int, uploads: Int)>((0, 0))

    /// Whether this request is to be refused, using up one refusal.
    func refuse(upload: Bool) -> Bool {
        failures.withLock { failures in
            if upload, failures.uploads > 0 {
                failures.uploads -= 1
                return true
            }
            if !upload, failures.downloads > 0 {
                failures.downloads -= 1
                return true
            }
            return false
        }
    }
}

/// Runs `body` with a counting store serving `source`.
public func withCountingStore<T>(source: [UInt8], _ body: (CountingStore) async throws -> T) async throws -> T {
    let counter = PutCounter()
    let router = Router()
    router.get("/source") { _, _ in
        counter.refuse(upload: false)
            ? Response(status: .serviceUnavailable)
            : Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: source)))
    }
    router.put("/results/{key}") { request, context in
        let key = try context.parameters.require("key")
        _ = try await request.body.collect(upTo: 64 << 20)
        if counter.refuse(upload: true) { return Response(status: .serviceUnavailable) }
        counter.counts.withLock { $0[key, default: 0] += 1 }
        return Response(status: .ok)
    }
    let services = try await RunningServices.serve("the counting store", router: router)
    return try await services.whileRunning { try await body(CountingStore(port: services.port, counter: counter)) }
}

extension TestFleet {
    /// Submits job `id` as JSON through the generated client: its source is `store`'s
    /// document, its result goes to `store`'s `/results/<id>`. The gateway's status and answer.
    @discardableResult
    public func submit(jobID id: String, through store: CountingStore) async throws -> (status: Int, body: String) {
        let submission = Components.Schemas.Submission(
            jobId: id,
            source: .init(url: "\(store.baseURL)/source"),
            result: .init(url: "\(store.baseURL)/results/\(id)")
        )
        do {
            switch try await client().api.submitJob(body: .json(submission)) {
            case .accepted(let answer): return (202, "\(try answer.body.json)")
            case .ok(let answer): return (200, "\(try answer.body.json)")
            case let other: return (0, "\(other)")
            }
        } catch let error as GatewayError {
            return (error.status ?? 0, error.description)
        }
    }
}
