/// Where a job waits in `OCR_JOBS`: its lane, and whether only a worker with a healthy
/// vLLM server may take it (a job that asks for `engine: deepseek`). Each route has a
/// subject under `ocr.jobs.` and a durable pull consumer of its own, so a CPU-only worker
/// never takes (and never spends a delivery of) a job it cannot run.
public struct JobRoute: Hashable, Sendable, CustomStringConvertible {
    public var lane: JobPriority
    public var needsGPU: Bool

    public init(lane: JobPriority, needsGPU: Bool) {
        self.lane = lane
        self.needsGPU = needsGPU
    }

    /// The route a job's options ask for.
    public init(_ options: JobOptions) {
        self.init(lane: options.priority, needsGPU: options.engine == .deepseek)
    }

    /// Every route, interactive ones first.
    public static let all: [JobRoute] = JobPriority.allCases.flatMap { lane in
        [JobRoute(lane: lane, needsGPU: false), JobRoute(lane: lane, needsGPU: true)]
    }

    /// `ocr.jobs.<lane>`, `ocr.jobs.<lane>.gpu`.
    public var subject: String {
        "\(Subjects.jobs).\(lane.rawValue)" + (needsGPU ? ".gpu" : "")
    }

    /// `ocr-workers` (the interactive lane, the contract's first consumer), `ocr-batch`,
    /// `ocr-gpu`, `ocr-batch-gpu`.
    public var consumer: String {
        switch (lane, needsGPU) {
        case (.interactive, false): StreamNames.workerConsumer
        case (.interactive, true): "ocr-gpu"
        case (.batch, false): "ocr-batch"
        case (.batch, true): "ocr-batch-gpu"
        }
    }

    public var description: String { subject }

    /// `interactive`, `interactive-gpu`, `batch`, `batch-gpu`: the route in a consumer's name.
    var key: String { lane.rawValue + (needsGPU ? "-gpu" : "") }

    /// `ocr.jobs.tenant.<tenant>.<lane>`, `….<lane>.gpu`: the route of one tenant's jobs, which
    /// wait for a consumer of their own, so that workers take turns between tenants
    /// (docs/lanes.md#fair-share).
    public func subject(tenant: String) -> String {
        "\(Subjects.tenantJobsPrefix).\(tenant).\(lane.rawValue)" + (needsGPU ? ".gpu" : "")
    }

    /// `ocr.jobs.tenant.*.<lane>`, `….<lane>.gpu`: every tenant's subject of this route.
    public var tenantSubjects: String { subject(tenant: "*") }

    /// The consumer of one tenant's jobs on this route: `ocr-t-<tenant>-<route>`. A subject
    /// token that is not a tenant name (a publisher on the bus may use any) is named by its
    /// FNV-1a hash as `ocr-t-=<16 hex digits>-<route>`, which no tenant name can spell.
    public func consumer(tenant: String) -> String {
        let name = Self.isTenantName(tenant) ? tenant : "=" + Self.hash(tenant)
        return "ocr-t-\(name)-\(key)"
    }

    /// The route and tenant of a subject of `OCR_JOBS`, or nil for another subject.
    public static func tenantRoute(of subject: String) -> (route: JobRoute, tenant: String)? {
        let prefix = Subjects.tenantJobsPrefix + "."
        guard subject.hasPrefix(prefix) else { return nil }
        let tokens = subject.dropFirst(prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard tokens.count == 2 || (tokens.count == 3 && tokens[2] == "gpu"), !tokens[0].isEmpty,
            let lane = JobPriority(rawValue: String(tokens[1]))
        else { return nil }
        return (JobRoute(lane: lane, needsGPU: tokens.count == 3), String(tokens[0]))
    }

    /// The tenants' routes for `tenant`, and the shared routes for none.
    public func subject(tenant: String?) -> String { tenant.map { subject(tenant: $0) } ?? subject }

    /// 1-40 of A-Z a-z 0-9 - _, as the gateway's tenants.
    public static func isTenantName(_ name: String) -> Bool {
        (1...40).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                    true
                default: false
                }
            }
    }

    static func hash(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
