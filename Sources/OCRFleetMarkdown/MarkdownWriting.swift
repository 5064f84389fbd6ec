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
    /// The number the document gives the item, with its delimiter (`9.`, `3)`); nil: the
    /// items of a level are counted from 1.
    public var number: String?

    public init(indent: Double, ordered: Bool, markdown: String, number: String? = nil) {
        self.indent = indent
        self.ordered = ordered
        self.markdown = markdown
        self.number = number
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
            let address = run.link.flatMap { autolink($0, spelled: run.text) }
            if let address { text = address }
            if run.bold && run.italic {
                text = "***\(text)***"
            } else if run.bold {
                text = "**\(text)**"
            } else if run.italic {
                text = "*\(text)*"
            }
            if let link = run.link, address == nil {
                text = "[\(text)](\(destination(link)))"
            }
            out += leading + text + closing
        }
        return out
    }

    /// `<link>` (or `<name@host>` for a `mailto:` link) when `plain`, a run's words, spells
    /// the address itself, closing punctuation aside, and CommonMark can read it as one.
    static func autolink(_ link: String, spelled words: String) -> String? {
        var plain = Substring(words)
        while plain.first == " " { plain.removeFirst() }
        while plain.last == " " { plain.removeLast() }
        func spells(_ address: Substring) -> Bool {
            plain.hasPrefix(address) && plain.dropFirst(address.count).allSatisfy { ".,;:!?".contains($0) }
        }
        guard isAutolinkURI(link) else { return nil }
        if spells(link[...]) { return "<\(link)>" }
        if link.hasPrefix("mailto:"), case let address = link.dropFirst("mailto:".count), spells(address),
            isEmailAddress(address)
        {
            return "<\(address)>"
        }
        return nil
    }

    /// A link's target as a link destination: a document's URI may hold what would end the
    /// destination or open HTML (`http://a b><!-- …`), so spaces, `<`, `>`, parentheses,
    /// backslashes and control characters are percent-encoded.
    static func destination(_ link: String) -> String {
        var out = ""
        for scalar in link.unicodeScalars {
            if scalar.value < 0x21 || scalar.value == 0x7F || "<>()\\".unicodeScalars.contains(scalar) {
                for byte in String(scalar).utf8 { out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2) }
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// CommonMark's email autolink address (`local@domain`), except one starting `!`, which
    /// after `<` would open an HTML comment or declaration instead.
    static func isEmailAddress(_ address: Substring) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, !local.isEmpty, local.first != "!",
            local.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".!#$%&'*+/=?^_`{|}~-".contains($0)) })
        else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    /// What CommonMark reads as an autolink's URI: a scheme of 2 to 32 letters, digits, `+`,
    /// `.`, `-` (a letter first), a colon, then no space, control character, `<` or `>`.
    static func isAutolinkURI(_ link: String) -> Bool {
        guard let colon = link.firstIndex(of: ":") else { return false }
        let scheme = link[..<colon]
        guard (2...32).contains(scheme.count), scheme.first?.isASCII == true, scheme.first?.isLetter == true,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+.-".contains($0)) })
        else { return false }
        return !link[colon...].contains { $0 == "<" || $0 == ">" || $0.isWhitespace || $0.asciiValue.map { $0 < 0x21 || $0 == 0x7F } == true }
    }

    /// Markdown list lines, nested by indent (each distinct indent a level, indented to the
    /// content of the item above it), numbered per level: by the items' own numbers when they
    /// have them, else counted; a level that changes between numbered and bulleted starts
    /// counting again.
    ///
    /// CommonMark numbers a list from its first item and ignores the numbers of the others,
    /// and an ordered list that does not start at 1 cannot follow a line of text directly. So
    /// where the document's numbers do not go on by one (`9.` then `11.`), or such a list
    /// begins, an empty HTML comment (`<!-- -->`) ends the list above and a new one starts
    /// with the item's own number: each item renders with the number it has on the page.
    /// The deepest list nesting written.
    static let maxListDepth = 8

    public static func list(_ items: [ListItem]) -> String {
        let indents = Array(Set(items.map { ($0.indent * 100).rounded() })).sorted()
        /// The list being written at a level: what its items are, the number its next item
        /// continues it with, and the column its items' content starts at.
        struct Level {
            var ordered: Bool
            var delimiter: Character?
            var next: Int
            var content: Int
        }
        var levels: [Int: Level] = [:]
        var lines: [String] = []
        for item in items {
            // Deeper than a reader follows, items stay at the last level: a hostile document's
            // thousand indents would otherwise pad each line with thousands of spaces.
            let level = min(indents.firstIndex(of: (item.indent * 100).rounded()) ?? 0, maxListDepth - 1)
            for deeper in levels.keys where deeper > level { levels[deeper] = nil }
            let column = levels.filter { $0.key < level }.max { $0.key < $1.key }?.value.content ?? 0
            let pad = String(repeating: " ", count: column)
            let marker: String
            var current = levels[level]
            if item.ordered, let number = item.number.flatMap(ownNumber) {
                let continues = current?.ordered == true && current?.delimiter == number.delimiter
                if !lines.isEmpty, continues ? number.value != current?.next : number.value != 1 {
                    lines.append(pad + "<!-- -->")
                }
                marker = "\(number.value)\(number.delimiter)"
                current = Level(ordered: true, delimiter: number.delimiter, next: number.value + 1, content: 0)
            } else {
                if current?.ordered != item.ordered || current?.delimiter != nil {
                    current = Level(ordered: item.ordered, delimiter: nil, next: 1, content: 0)
                }
                marker = item.ordered ? "\(current!.next)." : "-"
                current!.next += 1
            }
            current!.content = column + marker.count + 1
            levels[level] = current
            lines.append(pad + marker + " " + item.markdown)
        }
        return lines.joined(separator: "\n")
    }

    /// `9.` or `3)`: the number and its delimiter, as CommonMark writes an ordered item.
    static func ownNumber(_ marker: String) -> (value: Int, delimiter: Character)? {
        guard let delimiter = marker.last, delimiter == "." || delimiter == ")",
            let value = Int(marker.dropLast()), value >= 0, marker.count <= 10
        else { return nil }
        return (value, delimiter)
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
        if "#>+|=~`".contains(first) || (first == "-" && text.dropFirst().first == " ") { return "\\" + text }
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
        if let first = escaped.first, "#>*+-|=~`".contains(first) {
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

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(width - count, 0)) + self }
}
