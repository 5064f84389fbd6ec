import OCRFleetModel

/// Cuts a job's recognised pages into chunks for retrieval (`options.chunk`). Pure and
/// synchronous; its work is linear in the pages' text (and in the chunks' when they overlap).
public struct Chunker: Sendable {
    public let options: ChunkingOptions

    /// Fails as `invalid_job` when the options are out of range.
    public init(_ options: ChunkingOptions) throws(OCRError) {
        try options.validate()
        self.options = options
    }

    public func chunks(_ pages: [ChunkingPage]) -> [Chunk] {
        var work = 0
        return chunks(pages, work: &work)
    }

    /// `work` counts the steps taken, so tests can show the cost grows linearly.
    func chunks(_ pages: [ChunkingPage], work: inout Int) -> [Chunk] {
        let document = ChunkingDocument(pages, work: &work)
        let layout = LayoutMatcher(document, work: &work)
        let splitter = WindowSplitter(size: options.size, overlap: options.overlap)
        var pieces: [(tokens: Range<Int>, headingPath: [String]?)] = []
        switch options.strategy {
        case .page:
            for range in document.pageTokens where !range.isEmpty {
                pieces += splitter.split(range, document, work: &work).map { ($0, nil) }
            }
        case .heading:
            let sections = HeadingSections.joined(HeadingSections.sections(document), size: options.size)
            for section in sections {
                pieces += splitter.split(section.tokens, document, work: &work).map { ($0, section.headingPath) }
            }
        case .tokens:
            pieces = splitter.split(0..<document.tokens.count, document, work: &work).map { ($0, nil) }
        }
        return pieces.enumerated().map { index, piece in
            let range = piece.tokens
            work += range.count
            let first = document.tokens[range.lowerBound]
            let pages = first.page...document.tokens[range.upperBound - 1].page
            return Chunk(
                index: index,
                text: document.text(range),
                headingPath: piece.headingPath ?? document.headingPaths[document.blocks[first.block].headingPath],
                pages: document.pageNumbers(range),
                boxes: layout.boxes(range, pages: pages, work: &work),
                tokens: range.count,
                markdownRange: document.markdownRange(range)
            )
        }
    }
}
