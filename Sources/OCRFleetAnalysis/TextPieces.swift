/// A document's text in pieces that each fit one request: whole pages while they fit, a page
/// longer than the budget cut at line ends (a line longer than the budget at a character).
struct TextPiece: Sendable, Equatable {
    /// Indices into the document's pages of the pages the piece's text is from, in order.
    var pages: [Int]
    var text: String
}

enum TextPieces {
    static let pageSeparator = "\n\n"

    static func split(_ pages: [AnalysisPage], budget: Int) -> [TextPiece] {
        var pieces: [TextPiece] = []
        var current: TextPiece?
        // The current piece's tokens, counted part by part: counted apart, parts can only count more than joined.
        var tokens = 0
        let separatorTokens = TokenEstimate.count(pageSeparator)
        for (index, page) in pages.enumerated() where !page.markdown.allSatisfy(\.isWhitespace) {
            for part in parts(of: page.markdown, budget: budget) {
                let partTokens = TokenEstimate.count(part)
                if var piece = current, tokens + separatorTokens + partTokens <= budget {
                    piece.text += pageSeparator + part
                    if piece.pages.last != index { piece.pages.append(index) }
                    current = piece
                    tokens += separatorTokens + partTokens
                } else {
                    if let current { pieces.append(current) }
                    current = TextPiece(pages: [index], text: part)
                    tokens = partTokens
                }
            }
        }
        if let current { pieces.append(current) }
        return pieces
    }

    /// The page's text in parts of at most `budget` tokens, cut after line ends. A part's
    /// lines are gathered and joined once, with its token count kept as they are added.
    static func parts(of text: String, budget: Int) -> [String] {
        guard TokenEstimate.count(text) > budget else { return [text] }
        var parts: [String] = []
        var lines: [Substring] = []
        var tokens = 0
        func flush(last: Bool) {
            let part = lines.joined(separator: "\n")
            if last ? !part.allSatisfy(\.isWhitespace) : !part.isEmpty { parts.append(part) }
            lines = []
            tokens = 0
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(line)
            let lineTokens = TokenEstimate.count(line)
            // Counted apart, a line and its newline can only count more than joined.
            if lines.isEmpty ? lineTokens <= budget : tokens + TokenEstimate.count("\n") + lineTokens <= budget {
                tokens += (lines.isEmpty ? 0 : TokenEstimate.count("\n")) + lineTokens
                lines.append(line)
                continue
            }
            if !lines.isEmpty { flush(last: false) }
            while TokenEstimate.count(line) > budget {
                // A single character over the budget (a long grapheme cluster) goes whole.
                let head = max(1, TokenEstimate.prefix(of: line, tokens: budget).count)
                parts.append(String(line.prefix(head)))
                line = line.dropFirst(head)
            }
            lines = [line]
            tokens = TokenEstimate.count(line)
        }
        flush(last: true)
        return parts
    }
}
