import Foundation
import OCRFleetAPI
import OCRFleetModel

/// The job options `submit` and `backfill` take as flags, for the gateway or for the bus.
struct JobChoices {
    var engine: EngineChoice?
    var mode: RecognitionMode?
    var pages: String?
    /// Tesseract languages as given: `eng+deu`.
    var languages: String?
    var headersFooters: HeaderFooterPolicy?
    /// The lane; nil: the fleet's default for the way in (interactive, batch for backfills).
    var priority: JobPriority? = nil
    /// `chunks.jsonl` too, cut this way; nil: no chunks.
    var chunk: ChunkingOptions? = nil
    /// Labels, sections and values for `extraction.json`; nil: not asked for.
    var classify: ClassificationOptions? = nil
    var split: SplitOptions? = nil
    var extract: ExtractionOptions? = nil

    /// As the gateway takes them; what is not set is left to the fleet's defaults.
    var options: Components.Schemas.Options {
        get throws {
            var options = Components.Schemas.Options(
                engine: engine.flatMap { .init(rawValue: $0.rawValue) },
                mode: mode.flatMap { .init(rawValue: $0.rawValue) },
                pages: pages,
                languages: languages.map(Self.split),
                headersFooters: headersFooters.flatMap { .init(rawValue: $0.rawValue) },
                priority: priority.flatMap { .init(rawValue: $0.rawValue) },
                chunk: chunk.map {
                    Components.Schemas.ChunkOptions(strategy: .init(rawValue: $0.strategy.rawValue), size: $0.size, overlap: $0.overlap)
                }
            )
            options.classify = try classify.map(Self.converted)
            options.split = try split.map(Self.converted)
            options.extract = try extract.map(Self.converted)
            return options
        }
    }

    /// The contract's type as the generated one: the same JSON.
    static func converted<Generated: Decodable>(_ value: some Encodable) throws -> Generated {
        try JSONDecoder().decode(Generated.self, from: JSONEncoder().encode(value))
    }

    /// As a job on the bus carries them.
    func jobOptions() throws -> JobOptions {
        var options = JobOptions()
        if let engine { options.engine = engine }
        if let mode { options.mode = mode }
        if let pages { options.pages = try PageRanges(parsing: pages) }
        if let languages { options.languages = Self.split(languages) }
        if let headersFooters { options.headersFooters = headersFooters }
        if let priority { options.priority = priority }
        options.chunk = chunk
        options.classify = classify
        options.split = split
        options.extract = extract
        return options
    }

    static func split(_ languages: String) -> [String] { languages.split(separator: "+").map(String.init) }
}
