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
}
