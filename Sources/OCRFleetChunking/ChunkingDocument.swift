import OCRFleetMarkdown

/// A job's pages as one stream of tokens, each knowing its page, block and the gap before it.
struct ChunkingDocument {
    struct Token {
        /// Unicode scalars of the page's markdown.
        var start: Int
        var end: Int
        var page: Int
        var block: Int
        var isWord: Bool
        var breakBefore: Break
    }

    struct Block {
        var page: Int
        var kind: MarkdownBlock.Kind
        /// Index into `headingPaths`: the headings around the block, itself included if a heading.
        var headingPath: Int
        var tokens: Range<Int>
    }

    var pages: [ChunkingPage]
    var scalars: [[Unicode.Scalar]]
    /// Where each page's markdown starts in the assembled markdown, in Unicode scalars.
    var pageOffsets: [Int]
    var tokens: [Token] = []
    var blocks: [Block] = []
    var headingPaths: [[String]] = [[]]
    /// Each page's tokens.
    var pageTokens: [Range<Int>] = []

    init(_ pages: [ChunkingPage], work: inout Int) {
        self.pages = pages
        scalars = pages.map { Array($0.markdown.unicodeScalars) }
        pageOffsets = AssembledMarkdown.pageOffsets(numbers: pages.map(\.number), scalarCounts: scalars.map(\.count))
        var headings: [(level: Int, title: String)] = []
        var path = 0
        for (pageIndex, page) in scalars.enumerated() {
            let pageStart = tokens.count
            for block in MarkdownBlocks.parse(page) {
                work += block.range.count
                if case .heading(let level, let title) = block.kind {
                    while let last = headings.last, last.level >= level { headings.removeLast() }
                    headings.append((level, title))
                    headingPaths.append(headings.map(\.title))
                    path = headingPaths.count - 1
                }
                let first = tokens.count
                TokenScanner.scan(page, block.range, kind: block.scannerKind) { piece in
                    tokens.append(
                        Token(
                            start: piece.start,
                            end: piece.end,
                            page: pageIndex,
                            block: blocks.count,
                            isWord: piece.isWord,
                            breakBefore: piece.breakBefore
                        )
                    )
                }
                guard tokens.count > first else { continue }
                tokens[first].breakBefore =
                    if case .heading = block.kind { .heading } else if first == pageStart { .page } else { .block }
                blocks.append(Block(page: pageIndex, kind: block.kind, headingPath: path, tokens: first..<tokens.count))
            }
            pageTokens.append(pageStart..<tokens.count)
        }
    }

    /// The text of `range`: each block's part from its first token to its last, blocks
    /// joined by a blank line.
    func text(_ range: Range<Int>) -> String {
        var text = String.UnicodeScalarView()
        var i = range.lowerBound
        while i < range.upperBound {
            var j = i
            while j + 1 < range.upperBound, tokens[j + 1].block == tokens[i].block { j += 1 }
            if i > range.lowerBound { text.append(contentsOf: "\n\n".unicodeScalars) }
            text.append(contentsOf: scalars[tokens[i].page][tokens[i].start..<tokens[j].end])
            i = j + 1
        }
        return String(text)
    }

    /// Numbers of the pages `range` spans, ascending.
    func pageNumbers(_ range: Range<Int>) -> [Int] {
        guard !range.isEmpty else { return [] }
        return (tokens[range.lowerBound].page...tokens[range.upperBound - 1].page).compactMap { index in
            pageTokens[index].overlaps(range) ? pages[index].number : nil
        }
    }

    /// `[start, end)` of `range` in the assembled markdown.
    func markdownRange(_ range: Range<Int>) -> [Int] {
        let first = tokens[range.lowerBound]
        let last = tokens[range.upperBound - 1]
        return [pageOffsets[first.page] + first.start, pageOffsets[last.page] + last.end]
    }
}
