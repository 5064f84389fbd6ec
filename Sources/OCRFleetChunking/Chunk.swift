/// One record of `chunks.jsonl`.
public struct Chunk: Codable, Sendable, Equatable {
    /// 0-based position of the chunk in the document's chunks.
    public var index: Int
    /// The chunk's markdown: its blocks' text joined by blank lines, without comments.
    public var text: String
    /// The ATX headings enclosing the chunk, outermost first (`["Report", "2. Methods"]`).
    public var headingPath: [String]
    /// Numbers of the pages the chunk's text comes from, ascending.
    public var pages: [Int]
    /// Layout blocks whose text the chunk holds, wholly or in part.
    public var boxes: [ChunkBox]
    /// The chunk's length in approximate tokens (`ApproximateTokens`).
    public var tokens: Int
    /// `[start, end)` of the chunk's text in the assembled markdown, in Unicode scalars.
    public var markdownRange: [Int]

    public init(
        index: Int,
        text: String,
        headingPath: [String],
        pages: [Int],
        boxes: [ChunkBox],
        tokens: Int,
        markdownRange: [Int]
    ) {
        self.index = index
        self.text = text
        self.headingPath = headingPath
        self.pages = pages
        self.boxes = boxes
        self.tokens = tokens
        self.markdownRange = markdownRange
    }

    enum CodingKeys: String, CodingKey {
        case index, text, pages, boxes, tokens
        case headingPath = "heading_path"
        case markdownRange = "markdown_range"
    }
}

/// Where on a page part of a chunk's text stands.
public struct ChunkBox: Codable, Sendable, Equatable {
    public var page: Int
    /// `[x1, y1, x2, y2]` in the units of `width` and `height`, as in the layout sidecar.
    public var box: [Int]
    public var width: Int
    public var height: Int

    public init(page: Int, box: [Int], width: Int, height: Int) {
        self.page = page
        self.box = box
        self.width = width
        self.height = height
    }
}
