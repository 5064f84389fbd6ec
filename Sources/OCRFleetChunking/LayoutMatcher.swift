/// Finds each layout block's text among a page's tokens, so a chunk can name the boxes its
/// text stands in.
///
/// Words are compared lower-cased, without punctuation or markdown, so a text layer's plain
/// block matches its markdown. Blocks are looked for in reading order, each after the last
/// one found; a block whose words are not found in that order (or that is a running header or
/// footer, which the markdown holds only as a comment) gets no place, and no chunk names it.
struct LayoutMatcher {
    struct Placed {
        /// Tokens of the document.
        var tokens: Range<Int>
        var box: ChunkBox
    }

    /// Candidate places a block's first word is tried at, so a common first word costs a bounded amount.
    static let candidates = 32
    static let skippedTypes: Set<String> = ["header", "footer", "image", "figure"]
    static let characterReferences = Set(["lt", "gt", "amp", "quot", "apos", "nbsp"].map { key(ArraySlice($0.unicodeScalars)) })

    /// Each page's placed blocks, in token order, not overlapping.
    private(set) var placed: [[Placed]] = []

    init(_ document: ChunkingDocument, work: inout Int) {
        for (pageIndex, page) in document.pages.enumerated() {
            guard !page.blocks.isEmpty else {
                placed.append([])
                continue
            }
            let words = Self.words(document, page: pageIndex)
            var positions: [UInt64: [Int]] = [:]
            for (position, word) in words.enumerated() { positions[word.key, default: []].append(position) }
            work += words.count
            var found: [Placed] = []
            var cursor = 0
            for block in page.blocks where !Self.skippedTypes.contains(block.type) {
                let scalars = Array(block.text.unicodeScalars)
                let keys = Self.keys(scalars, 0..<scalars.count)
                work += scalars.count
                guard let first = keys.first, let starts = positions[first] else { continue }
                var candidate = Self.firstIndex(in: starts, atLeast: cursor)
                let last = min(starts.count, candidate + Self.candidates)
                while candidate < last {
                    let at = starts[candidate]
                    candidate += 1
                    guard at + keys.count <= words.count else { break }
                    work += keys.count
                    guard (0..<keys.count).allSatisfy({ words[at + $0].key == keys[$0] }) else { continue }
                    let box = ChunkBox(page: page.number, box: block.box, width: page.width, height: page.height)
                    found.append(Placed(tokens: words[at].tokens.lowerBound..<words[at + keys.count - 1].tokens.upperBound, box: box))
                    cursor = at + keys.count
                    break
                }
            }
            placed.append(found)
        }
    }

    /// The boxes of the blocks `range` holds, wholly or in part, page by page.
    func boxes(_ range: Range<Int>, pages: ClosedRange<Int>, work: inout Int) -> [ChunkBox] {
        var boxes: [ChunkBox] = []
        for page in pages {
            let blocks = placed[page]
            var low = 0
            var high = blocks.count
            while low < high {
                let middle = (low + high) / 2
                if blocks[middle].tokens.upperBound <= range.lowerBound { low = middle + 1 } else { high = middle }
                work += 1
            }
            while low < blocks.count, blocks[low].tokens.lowerBound < range.upperBound {
                boxes.append(blocks[low].box)
                low += 1
                work += 1
            }
        }
        return boxes
    }

    struct Word {
        var key: UInt64
        var tokens: Range<Int>
    }

    /// A page's words: runs of word tokens with no gap between them; character references
    /// (`&lt;`) the markdown escaped with are no words.
    static func words(_ document: ChunkingDocument, page: Int) -> [Word] {
        var words: [Word] = []
        let scalars = document.scalars[page]
        var i = document.pageTokens[page].lowerBound
        let end = document.pageTokens[page].upperBound
        while i < end {
            guard document.tokens[i].isWord else {
                i += 1
                continue
            }
            var j = i + 1
            while j < end, document.tokens[j].isWord, document.tokens[j].breakBefore == .none { j += 1 }
            let start = document.tokens[i].start
            let stop = document.tokens[j - 1].end
            if !isCharacterReference(scalars, start, stop) {
                words.append(Word(key: key(scalars[start..<stop]), tokens: i..<j))
            }
            i = j
        }
        return words
    }

    /// The word keys of a block's text, as `words` makes them of the markdown.
    static func keys(_ scalars: [Unicode.Scalar], _ range: Range<Int>) -> [UInt64] {
        var keys: [UInt64] = []
        var wordStart: Int?
        var wordEnd = 0
        TokenScanner.scan(scalars, range, kind: .prose) { piece in
            if piece.isWord, piece.breakBefore == .none, wordStart != nil {
                wordEnd = piece.end
                return
            }
            if let start = wordStart { keys.append(key(scalars[start..<wordEnd])) }
            wordStart = piece.isWord ? piece.start : nil
            wordEnd = piece.end
        }
        if let start = wordStart { keys.append(key(scalars[start..<wordEnd])) }
        return keys
    }

    /// A word's key: a 64-bit FNV-1a hash of its lower-cased scalars (a collision would only
    /// misplace a box).
    static func key(_ scalars: ArraySlice<Unicode.Scalar>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ scalar: Unicode.Scalar) {
            hash = (hash ^ UInt64(scalar.value)) &* 0x100_0000_01b3
        }
        for scalar in scalars {
            if scalar.value < 0x80 {
                mix(("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar)
            } else if scalar.properties.changesWhenLowercased {
                scalar.properties.lowercaseMapping.unicodeScalars.forEach(mix)
            } else {
                mix(scalar)
            }
        }
        return hash
    }

    static func isCharacterReference(_ s: [Unicode.Scalar], _ start: Int, _ end: Int) -> Bool {
        guard start > 0, end < s.count, s[start - 1] == "&", s[end] == ";" else { return false }
        return characterReferences.contains(key(s[start..<end]))
    }

    static func firstIndex(in sorted: [Int], atLeast value: Int) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
