import OCRFleetEngines
import OCRFleetMarkdown

/// The recognised pages as they go out: folded to NFKC (`OCR_NORMALIZE_NFKC`), every path's
/// pages here, once, and assembled into the job's markdown.
struct AssembleStage: JobStage {
    let normalizeNFKC: Bool

    var name: String { "assemble" }
    var isTimed: Bool { false }

    func run(_ work: inout JobWork) async throws {
        // Another attempt ended the job while this one recognised it: nothing goes out.
        if let ended = await work.progress?.endedElsewhere { throw JobEndedElsewhere(state: ended) }
        let outcome = try work.needs(\.outcome, from: "recognize")
        work.pages = normalizeNFKC ? outcome.pages.map(\.compatibilityFolded) : outcome.pages
        let markdown = AssembledMarkdown.assemble(pages: work.pages.map(\.markdown), numbers: work.pageNumbers)
        work.markdown = Array(markdown.utf8)
    }
}
