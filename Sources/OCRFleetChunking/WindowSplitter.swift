/// Cuts a run of tokens into windows of at most `size` tokens, each after the first starting
/// `overlap` tokens (moved forward to a word's start) before the previous one ended.
///
/// A window ends at the best gap in the second half of its reach (a heading's start before a
/// page's, a block's, a row's, a sentence's, a line's, a word's), the latest of equals. When that
/// half has no gap between words (one long table row, line of code or word), the latest gap
/// between words in the first half is taken, and when there is none the window is cut at `size`
/// tokens, inside the word: the one place a cut may fall mid-word or mid-row. A window never
/// ends with a heading that began inside it: the heading goes to the next window.
struct WindowSplitter {
    var size: Int
    var overlap: Int

    func split(_ range: Range<Int>, _ document: ChunkingDocument, work: inout Int) -> [Range<Int>] {
        let tokens = document.tokens
        var windows: [Range<Int>] = []
        var start = range.lowerBound
        // Every window reaches past the one before it, however much they overlap.
        var previousEnd = start
        while start < range.upperBound {
            guard range.upperBound - start > size else {
                windows.append(start..<range.upperBound)
                break
            }
            let reach = start + size
            let half = max(start + max(1, size / 2), previousEnd + 1)
            var cut = reach
            var best = Break.none
            for position in stride(from: reach, through: half, by: -1) {
                work += 1
                if tokens[position].breakBefore > best {
                    best = tokens[position].breakBefore
                    cut = position
                }
            }
            if best == .none {
                for position in stride(from: half - 1, to: previousEnd, by: -1) {
                    work += 1
                    if tokens[position].breakBefore > .none {
                        cut = position
                        break
                    }
                }
            }
            let last = document.blocks[tokens[cut - 1].block]
            if case .heading = last.kind, last.tokens.lowerBound > previousEnd { cut = last.tokens.lowerBound }
            windows.append(start..<cut)
            previousEnd = cut
            start = overlap > 0 ? overlapStart(before: cut, after: start, document, work: &work) : cut
        }
        return windows
    }

    /// Where the window after one ending at `cut` starts: `overlap` tokens back, moved forward
    /// to a word's start and past the rest of a heading.
    private func overlapStart(before cut: Int, after start: Int, _ document: ChunkingDocument, work: inout Int) -> Int {
        var next = max(cut - overlap, start + 1)
        while next < cut, document.tokens[next].breakBefore == .none {
            work += 1
            next += 1
        }
        guard next < cut else { return cut }
        let block = document.blocks[document.tokens[next].block]
        if case .heading = block.kind, block.tokens.lowerBound < next { next = min(block.tokens.upperBound, cut) }
        return next
    }
}
