/// One page of a job as recognised: what the chunker reads.
public struct ChunkingPage: Sendable, Equatable {
    /// 1-based number of the page in the source document.
    public var number: Int
    /// The page's markdown, without the `<!-- page N -->` comment the assembled document adds.
    public var markdown: String
    /// Size of the bitmap (or page, in points) the blocks' boxes refer to.
    public var width: Int
    public var height: Int
    /// The layout sidecar's blocks of this page; empty when the engine reported none.
    public var blocks: [ChunkingBlock]

    public init(number: Int, markdown: String, width: Int = 0, height: Int = 0, blocks: [ChunkingBlock] = []) {
        self.number = number
        self.markdown = markdown
        self.width = width
        self.height = height
        self.blocks = blocks
    }
}

/// One block of the layout sidecar: its type, its box and its text.
public struct ChunkingBlock: Sendable, Equatable {
    public var type: String
    /// `[x1, y1, x2, y2]` in the units of the page's `width` and `height`.
    public var box: [Int]
    public var text: String

    public init(type: String, box: [Int], text: String) {
        self.type = type
        self.box = box
        self.text = text
    }
}
