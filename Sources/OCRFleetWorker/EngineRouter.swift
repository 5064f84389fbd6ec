import Foundation
import OCRFleetDeepSeek
import OCRFleetEngines
import OCRFleetModel

/// Picks each job's engine from its `options.engine` and the worker's `OCR_ENGINE`:
/// `tesseract` and `deepseek` are taken as asked (`deepseek` with no healthy vLLM server
/// fails the attempt as `engine_unavailable`, which is retried; such jobs wait on the GPU
/// routes, which only workers with a healthy server pull, so that is rare); `auto` follows
/// the worker's setting and never fails for want of a GPU: DeepSeek-OCR while a vLLM
/// server is healthy, else Tesseract.
public struct EngineRouter: Sendable, CustomStringConvertible {
    public let tesseract: TesseractEngine
    public let deepseek: DeepSeekEngine?
    public let workerChoice: EngineChoice
    /// Turns scans upright before DeepSeek reads them (Tesseract straightens the pages it
    /// doubts itself); nil when `OCR_STRAIGHTEN` is off or the orientation data is missing.
    public let straightener: PageStraightener?

    public init(
        tesseract: TesseractEngine,
        deepseek: DeepSeekEngine?,
        workerChoice: EngineChoice,
        straightener: PageStraightener? = nil
    ) {
        self.tesseract = tesseract
        self.deepseek = deepseek
        self.workerChoice = workerChoice
        self.straightener = straightener
    }

    /// Builds the engines the configuration names.
    public init(_ configuration: WorkerConfiguration) throws(OCRError) {
        let cores = ProcessorBudget.cores
        let straightener = configuration.straighten ? PageStraightener() : nil
        self.init(
            tesseract: try TesseractEngine(
                concurrency: min(configuration.maxInflightPages, cores),
                dpi: configuration.dpi,
                straightener: straightener
            ),
            deepseek: configuration.deepseek.map { deepseek in
                var deepseek = deepseek
                deepseek.clock = configuration.clock
                return DeepSeekEngine(configuration: deepseek)
            },
            workerChoice: configuration.engine,
            straightener: straightener
        )
    }

    public func engine(for choice: EngineChoice) throws(OCRError) -> any OCREngine {
        // An `auto` job on a worker set to `deepseek` falls back as on an `auto` worker.
        let wanted = choice != .auto ? choice : workerChoice == .tesseract ? .tesseract : .auto
        switch wanted {
        case .tesseract:
            return tesseract
        case .deepseek:
            guard let deepseek else {
                throw OCRError(.engineUnavailable, "the deepseek engine is not configured on this worker (OCR_VLLM_URL)")
            }
            guard deepseek.isHealthy else {
                throw OCRError(.engineUnavailable, "no healthy vLLM server for the deepseek engine")
            }
            return deepseek
        case .auto:
            if let deepseek, deepseek.isHealthy { return deepseek }
            return tesseract
        }
    }

    /// The engines this worker can run, for its start-up log.
    public var description: String {
        guard let deepseek else { return "tesseract" }
        return "deepseek (\(deepseek.configuration.endpoints.joined(separator: ", "))), tesseract"
    }
}
