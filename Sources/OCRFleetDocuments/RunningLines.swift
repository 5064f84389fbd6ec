import Foundation

/// Running headers and footers: lines repeated at the top or bottom of a document's pages,
/// a page number that changes from page to page allowed ("Page 3 of 10", "- 3 -", "iv"),
/// and odd and even pages with lines of their own. Learned from the first pages of a
/// document (`init(_:)`), then recognised on any page (`split(_:)`), so a long document
/// is never held whole.
public struct RunningLines: Sendable, Equatable {
    enum Edge: Sendable, Hashable {
        case top, bottom
    }

    /// A line seen at the same edge and height of several pages, its numbers folded.
    struct Pattern: Sendable, Hashable {
        var edge: Edge
        var key: String
    }

    /// Each repeated line and the heights (top of its box, points) it stands at.
    var patterns: [Pattern: [Double]]

    /// Nothing recognised: every line stays in the body.
    public static let none = RunningLines(patterns: [:])

    init(patterns: [Pattern: [Double]]) { self.patterns = patterns }

    /// The lines repeated on at least two of `pages` and a quarter of them, at the same edge
    /// and height (within 6 points), set no larger than the body text (a heading that opens
    /// every slide is not a running header).
    public init(_ pages: [PageText]) {
        let bodySize = TextLayerMarkdown.bodyFontSize(pages.flatMap(\.words))
        var seen: [Pattern: [Double]] = [:]
        for page in pages {
            var onThisPage = Set<Pattern>()
            for (edge, row) in Self.edgeRows(of: page) where row.fontSize(of: page.words) <= bodySize * 1.1 {
                let pattern = Pattern(edge: edge, key: Self.key(row, page.words))
                // A line twice on one page is not a running one, and is counted once.
                if onThisPage.insert(pattern).inserted { seen[pattern, default: []].append(row.y0) }
            }
        }
        let needed = max(2, (pages.count + 3) / 4)
        var patterns: [Pattern: [Double]] = [:]
        for (pattern, heights) in seen {
            // The heights that agree with most others; a line at a wandering height is body text.
            let agreeing = heights.filter { height in heights.filter { abs($0 - height) <= Self.tolerance }.count >= needed }
            if !agreeing.isEmpty { patterns[pattern] = agreeing }
        }
        self.patterns = patterns
    }

    /// Points a running line's height may differ by from page to page.
    static let tolerance = 6.0

    /// A running line found on a page: its text and where it stands.
    public struct Line: Sendable, Equatable {
        public var text: String
        public var box: PageText.Box
    }

    /// `page` without its running lines, and those lines, top and bottom, each top to bottom.
    public func split(_ page: PageText) -> (body: PageText, headers: [Line], footers: [Line]) {
        guard !patterns.isEmpty else { return (page, [], []) }
        var headers: [Line] = []
        var footers: [Line] = []
        var running = Set<Int>()
        for (edge, row) in Self.edgeRows(of: page) {
            let pattern = Pattern(edge: edge, key: Self.key(row, page.words))
            guard let heights = patterns[pattern], heights.contains(where: { abs($0 - row.y0) <= Self.tolerance }) else {
                continue
            }
            running.formUnion(row.words)
            let boxes = row.words.map { page.words[$0].box }
            let line = Line(
                text: Self.text(row, page.words),
                box: PageText.Box(
                    x0: boxes.map(\.x0).min() ?? 0,
                    y0: row.y0,
                    x1: boxes.map(\.x1).max() ?? 0,
                    y1: row.y1
                )
            )
            if edge == .top { headers.append(line) } else { footers.append(line) }
        }
        guard !running.isEmpty else { return (page, [], []) }
        var body = page
        body.words = page.words.indices.filter { !running.contains($0) }.map { page.words[$0] }
        return (body, headers.sorted { $0.box.y0 < $1.box.y0 }, footers.sorted { $0.box.y0 < $1.box.y0 })
    }

    /// The two outermost rows at each edge, within the outer 15 % of the page's height.
    static func edgeRows(of page: PageText) -> [(Edge, VisualRow)] {
        let rows = VisualRow.rows(of: page.words)
        let band = page.height * 0.15
        var found: [(Edge, VisualRow)] = []
        for row in rows.prefix(2) where row.y1 <= band { found.append((.top, row)) }
        for row in rows.suffix(2) where row.y0 >= page.height - band && !found.contains(where: { $0.1.y0 == row.y0 }) {
            found.append((.bottom, row))
        }
        return found
    }

    /// The row's words as the page shows them: parts set far apart (a title at the left, the
    /// page number at the right) joined by ` | `.
    static func text(_ row: VisualRow, _ words: [PageText.Word]) -> String {
        row.segments(of: words, gap: row.fontSize(of: words))
            .map { $0.map { words[$0].text }.joined(separator: " ") }
            .joined(separator: " | ")
    }

    /// The row's text lower-cased, with every number (digits, or a word of roman numerals)
    /// as `#`, so page 3's footer matches page 4's.
    static func key(_ row: VisualRow, _ words: [PageText.Word]) -> String {
        row.words.map { index in
            let word = words[index].text.lowercased()
            var folded = ""
            var inNumber = false
            for character in word {
                if character.isNumber {
                    if !inNumber { folded.append("#") }
                    inNumber = true
                } else {
                    folded.append(character)
                    inNumber = false
                }
            }
            let letters = folded.filter(\.isLetter)
            if !letters.isEmpty, letters.allSatisfy({ "ivxlc".contains($0) }), letters.count <= 7,
                folded.allSatisfy({ !$0.isLetter || "ivxlc".contains($0) })
            {
                folded = folded.replacingOccurrences(of: letters, with: "#")
            }
            return folded
        }.joined(separator: " ")
    }
}
