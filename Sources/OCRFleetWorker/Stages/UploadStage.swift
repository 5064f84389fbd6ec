import Foundation
import OCRFleetContent
import OCRFleetEngines
import OCRFleetMetrics
import OCRFleetModel

/// PUTs the markdown to `result.url`, the layout sidecar to `result.layout_url` when the
/// job asks for one and a page has blocks to put in it, and `chunks.jsonl` to
/// `result.chunks_url` when the job asks for chunks, and `extraction.json` to
/// `result.extraction_url` when it asks for classify, split or extract.
struct UploadStage: JobStage {
    let content: ContentClient

    var name: String { "upload" }

    func run(_ work: inout JobWork) async throws {
        let result = work.job.result
        try await content.upload(
            work.markdown,
            to: result.url,
            contentType: result.contentType ?? "text/markdown; charset=utf-8"
        )
        if let layoutURL = result.layoutURL, work.pages.contains(where: { !$0.blocks.isEmpty }) {
            let layout = PageLayout.document(pages: work.pages, numbers: work.pageNumbers)
            try await content.upload(layout, to: layoutURL, contentType: "application/json", what: "layout")
            work.layout = JobRunner.withoutQuery(layoutURL)
        }
        if let chunksURL = result.chunksURL, let chunks = work.chunks {
            try await content.upload(chunks.lines, to: chunksURL, contentType: "application/jsonl", what: "chunks")
        }
        if let extractionURL = result.extractionURL, let analysis = work.analysis {
            let json = try Self.json(analysis)
            try await content.upload(json, to: extractionURL, contentType: "application/json", what: "extraction")
            work.extractionJSON = json
        }
        FleetMetrics.uploaded(bytes: work.markdown.count)
    }

    /// `extraction.json` as uploaded, and as the review stores it as the document's version 1.
    static func json(_ document: ExtractionDocument) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(document))
    }
}
