/// The order in which a person reads the text blocks a layout analysis found on a page.
///
/// Tesseract lists its blocks in the order its column finder made them, which puts a
/// headline printed under the columns between two of them and a drop cap after its
/// paragraph. This orders them by Breuel's rules ("High Performance Document Layout
/// Analysis", 2003): a block comes before another it overlaps horizontally and stands above;
/// and before one entirely to its right unless a third block between them in height spans
/// both. Two adjustments keep the rules' known slips out:
/// - the second rule holds only while the left block's column (the blocks stacked above it,
///   aligned and close) starts above the right block's bottom, so a heading far below a
///   centred address is not read before it;
/// - one-line blocks in bands of their own at the top and bottom of the page (running
///   headers, page numbers, footers) are read first and last, not beside the columns, unless
///   each of them continues a column (the headings opening two columns, say).
/// Blocks with no order between them are taken top first, then left first.
public enum ReadingOrder {
    /// One text block: its box in page pixels and how many lines it holds.
    public struct Block: Sendable, Equatable {
        public var left: Int
        public var top: Int
        public var right: Int
        public var bottom: Int
        public var lines: Int

        public init(left: Int, top: Int, right: Int, bottom: Int, lines: Int) {
            // Bounded, so sums and differences of coordinates cannot overflow.
            let bound = 1 << 40
            self.left = min(max(left, -bound), bound)
            self.top = min(max(top, -bound), bound)
            self.right = max(self.left, min(right, bound))
            self.bottom = max(self.top, min(bottom, bound))
            self.lines = max(1, lines)
        }

        var width: Int { right - left }
        var middle: Int { top + bottom }  // twice the centre: integer comparisons only
        var lineHeight: Int { (bottom - top) / lines }

        func overlapsHorizontally(_ other: Block) -> Bool { min(right, other.right) > max(left, other.left) }

        func mirrored(within width: Int) -> Block {
            Block(left: width - right, top: top, right: width - left, bottom: bottom, lines: lines)
        }
    }

    /// Past this many blocks (a page of noise, say) the layout's own order is kept: the
    /// rules compare blocks in threes.
    public static let maxBlocks = 400

    /// The indexes of `blocks` in reading order. `rightToLeft`: the page's script runs from
    /// right to left (Arabic, Hebrew), so its columns do too.
    public static func order(_ blocks: [Block], rightToLeft: Bool = false) -> [Int] {
        guard blocks.count > 1, blocks.count <= maxBlocks else { return Array(blocks.indices) }
        let width = blocks.map(\.right).max() ?? 0
        let page = rightToLeft ? blocks.map { $0.mirrored(within: width) } : blocks
        let bands = Self.bands(page)
        let lineHeight = Self.lineHeight(page)
        let oneLine = { (band: [Int]) in band.allSatisfy { page[$0].lines == 1 } }
        func linked(_ upper: Int, _ lower: Int) -> Bool { continues(page[upper], with: page[lower], lineHeight: lineHeight) }
        // The one-line bands at each end of the page, the band next to the body first: a band
        // whose every block opens a column below it (closes one above it) is the body's; from
        // the first that is not, the bands are headers (footers).
        var first = 0
        while first < bands.count - 1, oneLine(bands[first]) { first += 1 }
        while first > 0, bands[first - 1].allSatisfy({ upper in bands[first].contains { linked(upper, $0) } }) { first -= 1 }
        var last = bands.count - 1
        while last > first, oneLine(bands[last]) { last -= 1 }
        while last < bands.count - 1, bands[last + 1].allSatisfy({ lower in bands[last].contains { linked($0, lower) } }) {
            last += 1
        }
        let head = Array(bands[..<first])
        let tail = Array(bands[(last + 1)...])
        let body = bands[first...last].flatMap { $0 }
        return (head + [body] + tail).flatMap { sorted($0, of: page) }
    }

    /// `indexes` split where no block's height spans a horizontal strip across the page,
    /// top band first.
    static func bands(_ blocks: [Block]) -> [[Int]] {
        let byTop = blocks.indices.sorted { (blocks[$0].top, blocks[$0].left) < (blocks[$1].top, blocks[$1].left) }
        var bands: [[Int]] = []
        var reach = Int.min
        for index in byTop {
            if blocks[index].top > reach || bands.isEmpty {
                bands.append([index])
            } else {
                bands[bands.count - 1].append(index)
            }
            reach = max(reach, blocks[index].bottom)
        }
        return bands
    }

    /// `indexes` of `blocks` ordered by the rules: a topological order of "comes before",
    /// taking the top-most (then left-most) block whenever several may come next, and when
    /// the rules contradict each other.
    static func sorted(_ indexes: [Int], of blocks: [Block]) -> [Int] {
        guard indexes.count > 1 else { return indexes }
        let chosen = indexes.map { blocks[$0] }
        let columnTops = Self.columnTops(chosen)
        let count = chosen.count
        var successors = [[Int]](repeating: [], count: count)
        var predecessors = [Int](repeating: 0, count: count)
        for a in 0..<count {
            for b in 0..<count where a != b && comesBefore(a, b, chosen, columnTops: columnTops) {
                successors[a].append(b)
                predecessors[b] += 1
            }
        }
        let rank = (0..<count).sorted { (chosen[$0].top, chosen[$0].left) < (chosen[$1].top, chosen[$1].left) }
        var done = [Bool](repeating: false, count: count)
        var order: [Int] = []
        order.reserveCapacity(count)
        while order.count < count {
            let next = rank.first { !done[$0] && predecessors[$0] == 0 } ?? rank.first { !done[$0] }!
            done[next] = true
            order.append(next)
            for successor in successors[next] { predecessors[successor] -= 1 }
        }
        return order.map { indexes[$0] }
    }

    private static func comesBefore(_ a: Int, _ b: Int, _ blocks: [Block], columnTops: [Int]) -> Bool {
        let (first, second) = (blocks[a], blocks[b])
        if first.overlapsHorizontally(second) { return first.middle < second.middle }
        guard first.right <= second.left, columnTops[a] < second.bottom else { return false }
        let (high, low) = (min(first.middle, second.middle), max(first.middle, second.middle))
        return !blocks.indices.contains { c in
            c != a && c != b && blocks[c].overlapsHorizontally(first) && blocks[c].overlapsHorizontally(second)
                && (high...low).contains(blocks[c].middle)
        }
    }

    /// For each block, the top of the column it continues (`continues`: a heading and its
    /// paragraph, one paragraph and the next).
    static func columnTops(_ blocks: [Block]) -> [Int] {
        let lineHeight = Self.lineHeight(blocks)
        let byTop = blocks.indices.sorted { (blocks[$0].top, blocks[$0].left) < (blocks[$1].top, blocks[$1].left) }
        var columns: [(top: Int, last: Int)] = []
        var tops = [Int](repeating: 0, count: blocks.count)
        for index in byTop {
            let block = blocks[index]
            let column = columns.firstIndex { continues(blocks[$0.last], with: block, lineHeight: lineHeight) }
            if let column {
                columns[column].last = index
                tops[index] = columns[column].top
            } else {
                columns.append((block.top, index))
                tops[index] = block.top
            }
        }
        return tops
    }

    /// Whether `lower` continues the column `upper` ends: it stands under it, overlapping across
    /// at least half of the narrower one's width, no more than two lines and a half below.
    static func continues(_ upper: Block, with lower: Block, lineHeight: Int) -> Bool {
        let shared = min(upper.right, lower.right) - max(upper.left, lower.left)
        let gap = lower.top - upper.bottom
        return 2 * shared >= min(upper.width, lower.width) && 2 * gap >= -lineHeight && 2 * gap <= 5 * lineHeight
    }

    /// The median height of a line in `blocks`.
    static func lineHeight(_ blocks: [Block]) -> Int {
        let heights = blocks.map(\.lineHeight).sorted()
        return heights.isEmpty ? 0 : heights[heights.count / 2]
    }
}
