import Synchronization

/// One OpenAI-compatible model server (vLLM): its base URL (`http://host:8000/v1`), whether it is healthy, and how
/// many requests are out to it.
public final class VLLMEndpoint: Sendable {
    public let baseURL: String
    /// vLLM's liveness route lives beside the API, not under `/v1`.
    public let healthURL: String

    struct State {
        var healthy = false
        public var outstanding = 0
        public var maxModelLength: Int?
        public var problem: String? = "not checked yet"
        /// Health checks in a row that got no answer.
        var unansweredChecks = 0
    }

    private let state = Mutex(State())

    public init(baseURL: String) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        let root = base.hasSuffix("/v1") ? String(base.dropLast(3)) : base
        healthURL = root + "/health"
    }

    public var isHealthy: Bool { state.withLock { $0.healthy } }
    public var outstanding: Int { state.withLock { $0.outstanding } }
    public var problem: String? { state.withLock { $0.problem } }
    /// The served model's context length from `/v1/models`, when the server says.
    public var maxModelLength: Int? { state.withLock { $0.maxModelLength } }

    public func markHealthy(maxModelLength: Int?) {
        state.withLock {
            $0.healthy = true
            $0.problem = nil
            $0.unansweredChecks = 0
            if let maxModelLength { $0.maxModelLength = maxModelLength }
        }
    }

    public func markUnhealthy(_ problem: String) {
        state.withLock {
            $0.healthy = false
            $0.problem = problem
        }
    }

    /// A health check that got no answer: a healthy server is marked unhealthy only at the
    /// second in a row, as one slow answer from a busy server (or a busy worker) is not an
    /// outage, and marking it would fail every page sent meanwhile. A refused page request
    /// marks it at once.
    public func healthCheckUnanswered(_ problem: String) {
        state.withLock {
            $0.unansweredChecks += 1
            if !$0.healthy || $0.unansweredChecks >= 2 {
                $0.healthy = false
                $0.problem = problem
            }
        }
    }

    fileprivate func take() { state.withLock { $0.outstanding += 1 } }
    fileprivate func put() { state.withLock { $0.outstanding -= 1 } }
    fileprivate func load() -> (healthy: Bool, outstanding: Int) { state.withLock { ($0.healthy, $0.outstanding) } }
}

/// Several servers behind one client, balanced by least outstanding requests; an
/// unhealthy one gets no requests until a health check passes again.
public final class EndpointPool: Sendable {
    public let endpoints: [VLLMEndpoint]

    public init(urls: [String]) {
        endpoints = urls.map(VLLMEndpoint.init(baseURL:))
    }

    public var hasHealthy: Bool { endpoints.contains { $0.isHealthy } }
    public var healthyCount: Int { endpoints.filter(\.isHealthy).count }

    /// The healthy endpoint with the fewest requests out, counted as one more; nil if none is
    /// healthy. `avoiding` (the one that just refused) is taken only when no other is healthy.
    public func checkOut(avoiding avoided: VLLMEndpoint? = nil) -> VLLMEndpoint? {
        var best: (endpoint: VLLMEndpoint, outstanding: Int)?
        for endpoint in endpoints where endpoint !== avoided {
            let load = endpoint.load()
            guard load.healthy else { continue }
            if best == nil || load.outstanding < best!.outstanding { best = (endpoint, load.outstanding) }
        }
        if best == nil, let avoided, avoided.isHealthy { best = (avoided, 0) }
        best?.endpoint.take()
        return best?.endpoint
    }

    /// Whether a server other than `endpoint` is healthy.
    public func hasHealthy(besides endpoint: VLLMEndpoint) -> Bool {
        endpoints.contains { $0 !== endpoint && $0.isHealthy }
    }

    public func checkIn(_ endpoint: VLLMEndpoint) { endpoint.put() }

    /// Why no endpoint is usable, for error messages.
    public var problems: String {
        endpoints.map { "\($0.baseURL): \($0.problem ?? "healthy")" }.joined(separator: "; ")
    }
}
