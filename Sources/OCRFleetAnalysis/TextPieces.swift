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
        for (index, page) in pages.enumerated() where !page.markdown.allSatisfy(\.isWhitespace) {
            for part in parts(of: page.markdown, budget: budget) {
                if var piece = current, TokenEstimate.count(piece.text + pageSeparator + part) <= budget {
                    piece.text += pageSeparator + part
                    if piece.pages.last != index { piece.pages.append(index) }
                    current = piece
                } else {
                    if let current { pieces.append(current) }
                    current = TextPiece(pages: [index], text: part)
                }
            }
        }
        if let current { pieces.append(current) }
        return pieces
    }

    /// The page's text in parts of at most `budget` tokens, cut after line ends.
    static func parts(of text: String, budget: Int) -> [String] {
        guard TokenEstimate.count(text) > budget else { return [text] }
        var parts: [String] = []
        var current = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(line)
            let joined = current.isEmpty ? String(line) : current + "\n" + line
            if TokenEstimate.count(joined) <= budget {
                current = joined
                continue
            }
            if !current.isEmpty { parts.append(current) }
            current = ""
            while TokenEstimate.count(String(line)) > budget {
                // A single character over the budget (a long grapheme cluster) goes whole.
                let head = max(1, TokenEstimate.prefix(of: String(line), tokens: budget).count)
                parts.append(String(line.prefix(head)))
                line = line.dropFirst(head)
            }
            current = String(line)
        }
        if !current.allSatisfy(\.isWhitespace) { parts.append(current) }
        return parts
    }
}
