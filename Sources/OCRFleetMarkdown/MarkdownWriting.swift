/// A run of text with one style, as documents store it (a DOCX run, a PDF word).
public struct StyledText: Sendable, Equatable {
    public var text: String
    public var bold: Bool
    public var italic: Bool
    public var link: String?

    public init(_ text: String, bold: Bool = false, italic: Bool = false, link: String? = nil) {
        self.text = text
        self.bold = bold
        self.italic = italic
        self.link = link
    }
}

/// One item of a list, before nesting is known.
public struct ListItem: Sendable, Equatable {
    /// How far the item's marker is indented, in any unit; deeper indents nest deeper.
    public var indent: Double
    public var ordered: Bool
    public var markdown: String

    public init(indent: Double, ordered: Bool, markdown: String) {
        self.indent = indent
        self.ordered = ordered
        self.markdown = markdown
    }
}

/// Markdown written from document text: inline styles, lists, tables, escaping. Shared by
/// every path that turns a document's own text into markdown.
public enum MarkdownWriting {
    /// Runs joined, neighbours of one style merged, and bold, italic and links marked up.
    /// Spaces and closing punctuation at a styled run's edges stay outside its markup, where
    /// CommonMark needs them.
    public static func inline(_ runs: [StyledText]) -> String {
        var merged: [StyledText] = []
        for run in runs where !run.text.isEmpty {
            if var last = merged.last, last.bold == run.bold, last.italic == run.italic, last.link == run.link {
                last.text += run.text
                merged[merged.count - 1] = last
            } else {
                merged.append(run)
            }
        }
        var out = ""
        for run in merged {
            var text = escapeInline(run.text)
            guard run.bold || run.italic || run.link != nil else {
                out += text
                continue
            }
            let leading = String(text.prefix { $0 == " " })
            text.removeFirst(leading.count)
            var closing = ""
            while let last = text.last, last == " " || (".,;:!?".contains(last) && text.count > 1) {
                closing = String(last) + closing
                text.removeLast()
            }
            if text.isEmpty {
                out += leading + closing
                continue
            }
            if run.bold && run.italic {
                text = "***\(text)***"
            } else if run.bold {
                text = "**\(text)**"
            } else if run.italic {
                text = "*\(text)*"
            }
            if let link = run.link { text = "[\(text)](\(link))" }
            out += leading + text + closing
        }
        return out
    }

    /// Markdown list lines, nested by indent (each distinct indent a level), numbered per
    /// level; a level that changes between numbered and bulleted starts counting again.
    public static func list(_ items: [ListItem]) -> String {
        let indents = Array(Set(items.map { ($0.indent * 100).rounded() })).sorted()
        var counters: [Int: (ordered: Bool, count: Int)] = [:]
        return items.map { item in
            let level = indents.firstIndex(of: (item.indent * 100).rounded()) ?? 0
            for deeper in counters.keys where deeper > level { counters[deeper] = nil }
            if counters[level]?.ordered != item.ordered { counters[level] = (item.ordered, 0) }
            counters[level]!.count += 1
            let marker = item.ordered ? "\(counters[level]!.count)." : "-"
            return String(repeating: "  ", count: level) + marker + " " + item.markdown
        }.joined(separator: "\n")
    }

    /// A GFM table: the first row is the header; rows are padded to the widest; pipes and
    /// line breaks inside cells are escaped.
    public static func table(_ rows: [[String]]) -> String {
        let width = rows.map(\.count).max() ?? 0
        guard width > 0 else { return "" }
        func line(_ cells: [String]) -> String {
            let padded = cells + Array(repeating: "", count: width - cells.count)
            return "| " + padded.map(escapeCell).joined(separator: " | ") + " |"
        }
        var lines = [line(rows[0]), "|" + String(repeating: " --- |", count: width)]
        lines += rows.dropFirst().map(line)
        return lines.joined(separator: "\n")
    }

    static func escapeCell(_ cell: String) -> String {
        replacing(cell) { character in
            switch character {
            case "|": "\\|"
            case "\n": "<br>"
            default: nil
            }
        }
    }

    /// Characters of a document's text that markdown would read as markup or HTML.
    public static func escapeInline(_ text: String) -> String {
        replacing(text) { character in
            switch character {
            case "<": "&lt;"
            case "*", "`": "\\\(character)"
            default: nil
            }
        }
    }

    /// `text` with each character that `replacement` maps written as what it maps to.
    static func replacing(_ text: String, _ replacement: (Character) -> String?) -> String {
        guard text.contains(where: { replacement($0) != nil }) else { return text }
        var result = ""
        for character in text {
            if let replaced = replacement(character) { result += replaced } else { result.append(character) }
        }
        return result
    }

    /// A paragraph that happens to start like block syntax stays a paragraph.
    public static func escapeBlockStart(_ text: String) -> String {
        guard let first = text.first else { return text }
        if "#>+|=".contains(first) || (first == "-" && text.dropFirst().first == " ") { return "\\" + text }
        if let marker = numberedMarker(text), text[text.index(after: marker)...].first == " " {
            var escaped = text
            escaped.insert("\\", at: marker)
            return escaped
        }
        return text
    }

    /// A line of recognised text as the reader saw it: HTML's `<` written `&lt;`, and a start
    /// that markdown would read as structure (`#`, `>`, a bullet, `12.`) escaped.
    public static func escapeRecognisedLine(_ line: String) -> String {
        var escaped = replacing(line) { $0 == "<" ? "&lt;" : nil }
        if let first = escaped.first, "#>*+-|=".contains(first) {
            escaped = "\\" + escaped
        } else if let marker = numberedMarker(escaped) {
            escaped.insert("\\", at: marker)
        }
        return escaped
    }

    /// The `.` or `)` after the digits a line starts with, as in `12.` or `3)`.
    static func numberedMarker(_ text: String) -> String.Index? {
        guard let marker = text.firstIndex(where: { !$0.isNumber }), marker != text.startIndex,
            text[marker] == "." || text[marker] == ")"
        else { return nil }
        return marker
    }
}
