import Foundation
import OCRFleetMarkdown
import OCRFleetModel

/// Markdown from a PDF page's text layer: poppler's reading-order blocks become paragraphs,
/// larger type becomes headings, bulleted and numbered lines become (nested) list items with
/// their own numbers, words aligned in columns become GFM tables, running headers and footers
/// become comments (or are left out), bold, italic and links are kept, and words hyphenated
/// across lines are joined again.
public struct TextLayerMarkdown: Sendable {
    public enum Kind: Sendable, Equatable {
        case heading(level: Int)
        case paragraph
        case list
        case table
        /// A running header or footer (`RunningLines`), written as an HTML comment.
        case header
        case footer
    }

    /// One block of the page, as written.
    public struct Block: Sendable, Equatable {
        public var kind: Kind
        public var box: PageText.Box
        public var markdown: String
        /// The block's words without markup.
        public var text: String
        /// A list's items, kept until neighbouring list blocks are joined into one list.
        var items: [ListItem] = []
    }

    /// The type sizes of a document: the body text's, and the larger ones short blocks are
    /// set in, largest first, which become heading levels 1, 2, 3. Taken from several pages,
    /// so a page with only second-level headings still writes them as `##`.
    public struct Scale: Sendable, Equatable {
        public var bodySize: Double
        public var headingSizes: [Double]

        public init(_ pages: [PageText]) {
            let words = pages.flatMap(\.words)
            bodySize = TextLayerMarkdown.bodyFontSize(words)
            var sizes = Set<Double>()
            for page in pages {
                for block in TextLayerMarkdown.lines(of: page.words, markers: [:]) where block.count <= 3 {
                    let size = TextLayerMarkdown.medianSize(block.flatMap { $0 })
                    if bodySize > 0, size >= bodySize * 1.1 { sizes.insert((size * 2).rounded() / 2) }
                }
            }
            headingSizes = sizes.sorted(by: >)
        }

        /// The heading level of a block set in `size`; nil for body text.
        func level(of size: Double) -> Int? {
            guard bodySize > 0, size >= bodySize * 1.1 else { return nil }
            let rounded = (size * 2).rounded() / 2
            let rank = headingSizes.firstIndex { $0 <= rounded } ?? headingSizes.count
            return min(rank + 1, 3)
        }
    }

    public let blocks: [Block]

    public var markdown: String { blocks.map(\.markdown).joined(separator: "\n\n") }

    /// Writes `page`; `scale` is the document's (from `Scale(_:)` over a few pages), else
    /// this page's own. Lines `runningLines` recognises open and close the page as
    /// `<!-- header: … -->` and `<!-- footer: … -->`, or are left out with `.drop`.
    public init(
        _ page: PageText,
        scale: Scale? = nil,
        runningLines: RunningLines = .none,
        headersFooters: HeaderFooterPolicy = .mark
    ) {
        let scale = scale ?? Scale([page])
        let (body, headers, footers) = runningLines.split(page)
        let words = body.words
        let markers = Self.detachedMarkers(words)
        let tables = TextLayerTable.find(in: words)
        // Each table stands in the reading order where its first word does; the rest of the
        // words are poppler's blocks as before.
        var tableOf: [Int: Int] = [:]
        for (number, table) in tables.enumerated() {
            for index in table.words { tableOf[index] = number }
        }
        var blocks: [Block] = []
        var flowing: [PageText.Word] = []
        func flush() {
            blocks += Self.lines(of: flowing, markers: markers).compactMap { Self.block($0, markers: markers, scale: scale) }
            flowing = []
        }
        var written = Set<Int>()
        for (index, word) in words.enumerated() {
            guard let number = tableOf[index] else {
                flowing.append(word)
                continue
            }
            guard written.insert(number).inserted else { continue }
            flush()
            blocks.append(Self.tableBlock(tables[number], words))
        }
        flush()
        blocks = Self.joiningLists(blocks)
        if headersFooters == .mark {
            func block(_ kind: Kind, _ label: String, _ line: RunningLines.Line) -> Block {
                Block(kind: kind, box: line.box, markdown: Self.comment(label, line.text), text: line.text)
            }
            blocks.insert(contentsOf: headers.map { block(.header, "header", $0) }, at: 0)
            blocks += footers.map { block(.footer, "footer", $0) }
        }
        self.blocks = blocks
    }

    /// `<!-- label: text -->`, with nothing in `text` that would end the comment early.
    static func comment(_ label: String, _ text: String) -> String {
        var text = text
        while text.contains("--") { text = text.replacingOccurrences(of: "--", with: "- -") }
        return "<!-- \(label): \(text) -->"
    }

    static func tableBlock(_ table: TextLayerTable, _ words: [PageText.Word]) -> Block {
        let boxes = table.words.map { words[$0].box }
        return Block(
            kind: .table,
            box: PageText.Box(
                x0: boxes.map(\.x0).min() ?? 0,
                y0: boxes.map(\.y0).min() ?? 0,
                x1: boxes.map(\.x1).max() ?? 0,
                y1: boxes.map(\.y1).max() ?? 0
            ),
            markdown: MarkdownWriting.table(table.cells),
            text: table.text.map { $0.filter { !$0.isEmpty }.joined(separator: " ") }.joined(separator: " ")
        )
    }

    /// The page's blocks as lines of words, in reading order, without blocks that hold only
    /// list markers (their markers are in `markers`, keyed by the line they stand before).
    static func lines(of words: [PageText.Word], markers: [Int: PageText.Word]) -> [[[PageText.Word]]] {
        var blocks: [[[PageText.Word]]] = []
        var start = 0
        while start < words.count {
            var end = start
            while end < words.count, words[end].block == words[start].block { end += 1 }
            let block = words[start..<end]
            if !block.allSatisfy(isMarkerGlyph) || markers.isEmpty {
                var lines: [[PageText.Word]] = []
                for word in block {
                    if let last = lines.last?.last, last.line == word.line {
                        lines[lines.count - 1].append(word)
                    } else {
                        lines.append([word])
                    }
                }
                blocks.append(lines)
            }
            start = end
        }
        return blocks
    }

    /// Word processors often set bullets in a symbol font, apart from the text: poppler then
    /// puts them in blocks of their own. Each such marker is matched to the line it stands
    /// before (same height, to its right).
    static func detachedMarkers(_ words: [PageText.Word]) -> [Int: PageText.Word] {
        var markerBlocks = Set<Int>()
        var nonMarkerBlocks = Set<Int>()
        for word in words {
            if isMarkerGlyph(word) { markerBlocks.insert(word.block) } else { nonMarkerBlocks.insert(word.block) }
        }
        markerBlocks.subtract(nonMarkerBlocks)
        guard !markerBlocks.isEmpty else { return [:] }
        var firstWordOfLine: [Int: PageText.Word] = [:]
        for word in words where !markerBlocks.contains(word.block) && firstWordOfLine[word.line] == nil {
            firstWordOfLine[word.line] = word
        }
        var markers: [Int: PageText.Word] = [:]
        for marker in words where markerBlocks.contains(marker.block) {
            let middle = (marker.box.y0 + marker.box.y1) / 2
            let candidates = firstWordOfLine.filter { _, word in
                word.box.x0 >= marker.box.x1 - 1 && word.box.y0 <= middle && middle <= word.box.y1
            }
            if let (line, _) = candidates.min(by: { $0.value.box.x0 < $1.value.box.x0 }) { markers[line] = marker }
        }
        return markers
    }

    /// A lone bullet: one of the usual characters, or a private-use glyph of a symbol font.
    static func isMarkerGlyph(_ word: PageText.Word) -> Bool {
        guard word.text.unicodeScalars.count == 1, let scalar = word.text.unicodeScalars.first else { return false }
        return bullets.contains(Character(scalar)) || (0xE000...0xF8FF).contains(scalar.value)
    }

    /// The size most of the words' characters are set in.
    static func bodyFontSize(_ words: [PageText.Word]) -> Double {
        var weight: [Double: Int] = [:]
        for word in words { weight[(word.fontSize * 2).rounded() / 2, default: 0] += word.text.count }
        return weight.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key ?? 0
    }

    static func medianSize(_ words: [PageText.Word]) -> Double {
        words.isEmpty ? 0 : words.map(\.fontSize).sorted()[words.count / 2]
    }

    static func block(_ lines: [[PageText.Word]], markers: [Int: PageText.Word], scale: Scale) -> Block? {
        let words = lines.flatMap { $0 }
        let box = PageText.Box(
            x0: words.map(\.box.x0).min() ?? 0,
            y0: words.map(\.box.y0).min() ?? 0,
            x1: words.map(\.box.x1).max() ?? 0,
            y1: words.map(\.box.y1).max() ?? 0
        )
        let plain = lines.map { $0.filter { !isMarkerGlyph($0) }.map(\.text).joined(separator: " ") }
            .joined(separator: " ")
        guard !plain.isEmpty else { return nil }
        if let level = headingLevel(lines, scale: scale, plainLength: plain.count) {
            let text = joinLines(lines, styled: false)
            return Block(
                kind: .heading(level: level),
                box: box,
                markdown: String(repeating: "#", count: level) + " " + text,
                text: plain
            )
        }
        if let items = listItems(lines, markers: markers) {
            return Block(kind: .list, box: box, markdown: MarkdownWriting.list(items), text: plain, items: items)
        }
        return Block(kind: .paragraph, box: box, markdown: MarkdownWriting.escapeBlockStart(joinLines(lines, styled: true)), text: plain)
    }

    /// Short blocks set larger than the body text, or wholly bold on one line.
    static func headingLevel(_ lines: [[PageText.Word]], scale: Scale, plainLength: Int) -> Int? {
        guard lines.count <= 3, plainLength <= 200 else { return nil }
        let words = lines.flatMap { $0 }
        if let level = scale.level(of: medianSize(words)) { return level }
        let last = words.last?.text.last
        if lines.count == 1, words.allSatisfy(\.bold), plainLength <= 80, last != ".", last != ":",
            words.contains(where: { $0.text.contains(where: \.isLetter) })
        {
            return min(scale.headingSizes.count + 1, 4)
        }
        return nil
    }

    static let bullets: Set<Character> = ["•", "●", "▪", "■", "◦", "○", "‣", "⁃", "–", "-", "*", "·", "►", "➢", "✓"]

    /// How a list line starts.
    enum Marker: Equatable {
        /// A bullet, and what follows it in the same word.
        case bullet(rest: Substring)
        /// `9.` or `3)`: a number markdown can write.
        case number(String)
        /// `a.`, `B)`, `iv.`, `(ii)`, `(3)`: a marker markdown has no ordered list for, kept
        /// as the item's first word.
        case literal(String)
    }

    /// The marker a list line starts with, if any: a bullet, or `1.` `1)` `a.` `A)` `iv.`
    /// `(ii)` `(3)`.
    static func listMarker(_ word: String) -> Marker? {
        if let first = word.first, bullets.contains(first) {
            return .bullet(rest: word.dropFirst())
        }
        guard let last = word.last, last == "." || last == ")" else { return nil }
        var body = word.dropLast()
        let parenthesised = last == ")" && body.first == "("
        if parenthesised { body = body.dropFirst() }
        guard !body.isEmpty, body.count <= 4 else { return nil }
        if body.allSatisfy(\.isNumber) { return parenthesised ? .literal(word) : .number(word) }
        if body.count == 1, body.first!.isLetter { return .literal(word) }
        let roman = body.lowercased()
        if roman.allSatisfy({ "ivx".contains($0) }), romanNumerals.contains(roman) { return .literal(word) }
        return nil
    }

    static let romanNumerals: Set<String> = [
        "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv", "xvi", "xvii",
        "xviii", "xix", "xx",
    ]

    /// Lists: every line that starts with a marker begins an item; lines without one carry
    /// the item on. Nesting follows how far the markers are indented.
    static func listItems(_ lines: [[PageText.Word]], markers: [Int: PageText.Word]) -> [ListItem]? {
        /// The marker a line starts with, the list item's indent, and the line without it
        /// (a literal marker stays: it is the item's first word).
        func marker(of line: [PageText.Word]) -> (number: String?, indent: Double, rest: [PageText.Word])? {
            guard let head = line.first else { return nil }
            if let detached = markers[head.line] { return (nil, detached.box.x0, line) }
            switch listMarker(head.text) {
            case nil: return nil
            case .bullet(let rest):
                var words = Array(line.dropFirst())
                if !rest.isEmpty {
                    var stripped = head
                    stripped.text = String(rest)
                    words.insert(stripped, at: 0)
                }
                return (nil, head.box.x0, words)
            case .number(let number): return (number, head.box.x0, Array(line.dropFirst()))
            case .literal: return (nil, head.box.x0, line)
            }
        }
        guard let first = lines.first, marker(of: first) != nil else { return nil }
        var items: [(indent: Double, number: String?, lines: [[PageText.Word]])] = []
        for line in lines {
            if let found = marker(of: line) {
                items.append((found.indent, found.number, [found.rest]))
            } else {
                items[items.count - 1].lines.append(line)
            }
        }
        // Indents within 6 points of each other are one level.
        return items.map {
            ListItem(
                indent: ($0.indent / 6).rounded(),
                ordered: $0.number != nil,
                markdown: joinLines($0.lines, styled: true),
                number: $0.number
            )
        }
    }

    /// A list poppler split into blocks (an item set apart, a nested level) becomes one list
    /// again, so its nesting can be read from the indents of all its items.
    static func joiningLists(_ blocks: [Block]) -> [Block] {
        var joined: [Block] = []
        for block in blocks {
            if block.kind == .list, var last = joined.last, last.kind == .list {
                last.items += block.items
                last.markdown = MarkdownWriting.list(last.items)
                last.text += " " + block.text
                last.box = PageText.Box(
                    x0: min(last.box.x0, block.box.x0),
                    y0: min(last.box.y0, block.box.y0),
                    x1: max(last.box.x1, block.box.x1),
                    y1: max(last.box.y1, block.box.y1)
                )
                joined[joined.count - 1] = last
            } else {
                joined.append(block)
            }
        }
        return joined
    }

    /// The lines' words as one run of text: spaces where poppler saw them, words hyphenated
    /// at a line end joined again, and bold, italic and linked runs marked up when `styled`.
    static func joinLines(_ lines: [[PageText.Word]], styled: Bool) -> String {
        var runs: [StyledText] = []
        for (index, line) in lines.enumerated() {
            for (position, word) in line.enumerated() {
                guard !word.text.isEmpty, !isMarkerGlyph(word) || position > 0 else { continue }
                let endsLine = position == line.count - 1
                var text = word.text
                var space = word.spaceAfter || endsLine
                if endsLine, word.hyphenated, index < lines.count - 1, text.count > 1, text.last == "-" {
                    text.removeLast()
                    space = false
                }
                if space { text += " " }
                runs.append(
                    styled
                        ? StyledText(text, bold: word.bold, italic: word.italic, link: word.link) : StyledText(text)
                )
            }
        }
        return MarkdownWriting.inline(runs).trimmingCharacters(in: .whitespaces)
    }
}
