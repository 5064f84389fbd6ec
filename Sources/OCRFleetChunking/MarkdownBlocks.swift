/// A run of a page's markdown lines that chunking treats as one thing.
struct MarkdownBlock: Equatable {
    enum Kind: Equatable {
        case heading(level: Int, title: String)
        case paragraph, table, htmlTable, code
    }

    var kind: Kind
    /// The block's lines, in Unicode scalars of the page's markdown.
    var range: Range<Int>

    var scannerKind: TokenScanner.Kind {
        switch kind {
        case .heading, .paragraph: .prose
        case .table: .table
        case .htmlTable: .htmlTable
        case .code: .code
        }
    }
}

/// Splits a page's markdown into headings, paragraphs (lists among them), tables and fenced
/// code, leaving out HTML comments (page, header, footer and confidence markers) and thematic
/// breaks. One pass over the scalars; an unclosed fence, comment or HTML table ends with the page.
enum MarkdownBlocks {
    /// Heading titles in a heading path are cut to this many scalars: a hostile one-line
    /// heading must not be repeated whole in every chunk under it.
    static let titleLimit = 200

    private enum Open {
        case none
        case lines(MarkdownBlock.Kind, start: Int, end: Int)
        case fence(marker: Unicode.Scalar, length: Int, start: Int, end: Int)
        case htmlTable(start: Int, end: Int)
        case comment
    }

    static func parse(_ s: [Unicode.Scalar]) -> [MarkdownBlock] {
        var blocks: [MarkdownBlock] = []
        var open = Open.none
        func close() {
            switch open {
            case .lines(let kind, let start, let end): blocks.append(MarkdownBlock(kind: kind, range: start..<end))
            case .fence(_, _, let start, let end): blocks.append(MarkdownBlock(kind: .code, range: start..<end))
            case .htmlTable(let start, let end): blocks.append(MarkdownBlock(kind: .htmlTable, range: start..<end))
            case .none, .comment: break
            }
            open = .none
        }
        var lineStart = 0
        while lineStart < s.count {
            var lineEnd = lineStart
            while lineEnd < s.count, s[lineEnd] != "\n" { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            let t = firstNonSpace(s, lineStart, lineEnd)
            switch open {
            case .fence(let marker, let length, let start, _):
                open = .fence(marker: marker, length: length, start: start, end: lineEnd)
                if t < lineEnd, t - lineStart <= 3, run(of: marker, in: s, from: t, to: lineEnd) >= length,
                    firstNonSpace(s, t + run(of: marker, in: s, from: t, to: lineEnd), lineEnd) == lineEnd
                {
                    close()
                }
                continue
            case .htmlTable(let start, _):
                open = .htmlTable(start: start, end: lineEnd)
                if contains(s, "</table>", from: lineStart, to: lineEnd) { close() }
                continue
            case .comment:
                if contains(s, "-->", from: lineStart, to: lineEnd) { open = .none }
                continue
            case .none, .lines:
                break
            }
            guard t < lineEnd else {
                close()
                continue
            }
            let indented = t - lineStart > 3
            // At any indentation: the worker pads a nested list's `<!-- -->` break to its level.
            if hasPrefix(s, "<!--", at: t, end: lineEnd) {
                close()
                if !contains(s, "-->", from: t + 4, to: lineEnd) { open = .comment }
            } else if !indented, s[t] == "`" || s[t] == "~", run(of: s[t], in: s, from: t, to: lineEnd) >= 3 {
                close()
                open = .fence(marker: s[t], length: run(of: s[t], in: s, from: t, to: lineEnd), start: t, end: lineEnd)
            } else if !indented, let level = headingLevel(s, t, lineEnd) {
                close()
                let title = headingTitle(s, from: t + level, to: lineEnd)
                blocks.append(MarkdownBlock(kind: .heading(level: level, title: title), range: t..<lineEnd))
            } else if !indented, isThematicBreak(s, t, lineEnd) {
                close()
            } else if !indented, hasPrefix(s, "<table", at: t, end: lineEnd, ignoringCase: true) {
                close()
                open = .htmlTable(start: t, end: lineEnd)
                if contains(s, "</table>", from: t, to: lineEnd) { close() }
            } else if !indented, s[t] == "|" {
                if case .lines(.table, let start, _) = open {
                    open = .lines(.table, start: start, end: lineEnd)
                } else {
                    close()
                    open = .lines(.table, start: t, end: lineEnd)
                }
            } else if case .lines(.paragraph, let start, _) = open {
                open = .lines(.paragraph, start: start, end: lineEnd)
            } else {
                close()
                open = .lines(.paragraph, start: t, end: lineEnd)
            }
        }
        close()
        return blocks
    }

    static func firstNonSpace(_ s: [Unicode.Scalar], _ from: Int, _ to: Int) -> Int {
        var i = from
        while i < to, s[i] == " " || s[i] == "\t" || s[i] == "\r" { i += 1 }
        return i
    }

    static func run(of marker: Unicode.Scalar, in s: [Unicode.Scalar], from: Int, to: Int) -> Int {
        var i = from
        while i < to, s[i] == marker { i += 1 }
        return i - from
    }

    static func hasPrefix(_ s: [Unicode.Scalar], _ prefix: String, at i: Int, end: Int, ignoringCase: Bool = false) -> Bool {
        var j = i
        for p in prefix.unicodeScalars {
            guard j < end else { return false }
            let c = s[j]
            guard c == p || (ignoringCase && ("A"..."Z").contains(c) && c.value + 32 == p.value) else { return false }
            j += 1
        }
        return true
    }

    static func contains(_ s: [Unicode.Scalar], _ needle: String, from: Int, to: Int) -> Bool {
        guard let first = needle.unicodeScalars.first else { return true }
        var i = from
        while i < to {
            if s[i] == first, hasPrefix(s, needle, at: i, end: to, ignoringCase: true) { return true }
            i += 1
        }
        return false
    }

    /// 1-6 for an ATX heading (`#` to `######` followed by a space or the line's end).
    static func headingLevel(_ s: [Unicode.Scalar], _ t: Int, _ end: Int) -> Int? {
        let level = run(of: "#", in: s, from: t, to: end)
        guard (1...6).contains(level) else { return nil }
        let after = t + level
        return after == end || s[after] == " " || s[after] == "\t" ? level : nil
    }

    /// The heading's text: without its markers and a closing run of `#`, cut to `titleLimit`.
    static func headingTitle(_ s: [Unicode.Scalar], from: Int, to: Int) -> String {
        var start = firstNonSpace(s, from, to)
        var end = to
        while end > start, s[end - 1] == " " || s[end - 1] == "\t" || s[end - 1] == "\r" { end -= 1 }
        var closing = end
        while closing > start, s[closing - 1] == "#" { closing -= 1 }
        if closing < end, closing == start || s[closing - 1] == " " || s[closing - 1] == "\t" {
            end = closing
            while end > start, s[end - 1] == " " || s[end - 1] == "\t" { end -= 1 }
        }
        start = min(start, end)
        var title = String.UnicodeScalarView()
        title.append(contentsOf: s[start..<min(end, start + titleLimit)])
        if end - start > titleLimit { title.append("\u{2026}") }
        return String(title)
    }

    /// `---`, `***` or `___` (three or more, spaces between allowed).
    static func isThematicBreak(_ s: [Unicode.Scalar], _ t: Int, _ end: Int) -> Bool {
        let marker = s[t]
        guard marker == "-" || marker == "*" || marker == "_" else { return false }
        var count = 0
        for c in s[t..<end] {
            if c == marker {
                count += 1
            } else if c != " " && c != "\t" && c != "\r" {
                return false
            }
        }
        return count >= 3
    }
}
