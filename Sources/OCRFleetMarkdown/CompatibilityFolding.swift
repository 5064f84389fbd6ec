import Foundation

/// Unicode compatibility characters folded as NFKC folds them (ligatures `ﬀ` → `ff`,
/// full-width and superscript forms, presentation forms of Arabic letters, the no-break
/// space), so that text found in a document is found by a search for its plain spelling.
public enum CompatibilityFolding {
    /// `text` in NFKC, as plain text (no markdown in it).
    public static func fold(text: String) -> String {
        text.unicodeScalars.allSatisfy(\.isASCII) ? text : text.precomposedStringWithCompatibilityMapping
    }

    /// `markdown`'s text in NFKC without changing its structure: link destinations,
    /// autolinks and HTML (`<…>`), code spans and fenced code, and backslash escapes stay
    /// byte for byte (they are names and code, not prose), and a character that folds into
    /// markdown punctuation (`＊` → `*`, `＃` → `#`, `⒈` → `1.`) is escaped, so folding never
    /// makes markup that was not there.
    public static func fold(markdown: String) -> String {
        guard !markdown.unicodeScalars.allSatisfy(\.isASCII) else { return markdown }
        var folder = Folder(Array(markdown.unicodeScalars))
        return folder.run()
    }

    /// ASCII that markdown may read as markup wherever it stands.
    static let inlinePunctuation: Set<Unicode.Scalar> = [
        "\\", "`", "*", "_", "[", "]", "<", ">", "|", "~", "#", "+", "-", "=", "&",
    ]

    private struct Folder {
        let scalars: [Unicode.Scalar]
        var index = 0
        /// What is written, and text not yet brought to canonical composition.
        var output = ""
        var pending = String.UnicodeScalarView()
        var inFence = false
        var decompositions: [Unicode.Scalar: String] = [:]
        /// For a string searched for on a line and not found: where that search stopped (the
        /// line's end). Any later search for it before there fails too, so none rescans it:
        /// a line of a thousand `<` without a `>` costs one pass, not a thousand.
        var notFoundBefore: [String: Int] = [:]
        /// For a run length of backticks with no closing run left: where that search began.
        var noClosingRunFrom: [Int: Int] = [:]

        /// The longest link destination kept verbatim; a longer one is folded as text.
        static let longestDestination = 4096

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        mutating func run() -> String {
            while index < scalars.count {
                if atLineStart, let end = fenceLineEnd() {
                    verbatim(upTo: end)
                    continue
                }
                if inFence {
                    verbatim(upTo: lineEnd(from: index))
                    continue
                }
                let scalar = scalars[index]
                switch scalar {
                case "\\" where index + 1 < scalars.count:
                    verbatim(upTo: index + 2)
                case "`":
                    var run = index
                    while run < scalars.count, scalars[run] == "`" { run += 1 }
                    if let close = closingBackticks(count: run - index, from: run) {
                        verbatim(upTo: close)
                    } else {
                        verbatim(upTo: run)
                    }
                case "<":
                    // A comment is verbatim to its `-->`, so folding inside it cannot close it early.
                    if scalars[index...].starts(with: "<!--".unicodeScalars), let close = firstOnLine("-->", from: index + 4) {
                        verbatim(upTo: close + 3)
                    } else if let close = firstOnLine(">", from: index + 1) {
                        verbatim(upTo: close + 1)
                    } else {
                        write(scalar)
                    }
                case "]" where index + 1 < scalars.count && scalars[index + 1] == "(":
                    if let close = destinationEnd(from: index + 2) { verbatim(upTo: close + 1) } else { write(scalar) }
                default:
                    write(scalar)
                }
            }
            flush()
            return output
        }

        var atLineStart: Bool { index == 0 || scalars[index - 1] == "\n" }

        /// A fence line (``` or ~~~ after up to three spaces) opens or closes fenced code.
        mutating func fenceLineEnd() -> Int? {
            var at = index
            while at < scalars.count, at - index < 3, scalars[at] == " " { at += 1 }
            guard at + 2 < scalars.count, let mark = ["`", "~"].first(where: { $0 == scalars[at] }),
                scalars[at + 1] == mark, scalars[at + 2] == mark
            else { return nil }
            inFence.toggle()
            return lineEnd(from: at)
        }

        func lineEnd(from start: Int) -> Int {
            var at = start
            while at < scalars.count, scalars[at] != "\n" { at += 1 }
            return min(at + 1, scalars.count)
        }

        mutating func firstOnLine(_ wanted: String, from start: Int) -> Int? {
            if let end = notFoundBefore[wanted], start < end { return nil }
            let pattern = Array(wanted.unicodeScalars)
            var at = start
            while at < scalars.count, scalars[at] != "\n" {
                if scalars[at...].starts(with: pattern) { return at }
                at += 1
            }
            notFoundBefore[wanted] = at
            return nil
        }

        /// Where a code span of `count` backticks closes: the end of the next run of exactly as many.
        mutating func closingBackticks(count: Int, from start: Int) -> Int? {
            if let from = noClosingRunFrom[count], start >= from { return nil }
            var at = start
            while at < scalars.count {
                guard scalars[at] == "`" else {
                    at += 1
                    continue
                }
                var run = at
                while run < scalars.count, scalars[run] == "`" { run += 1 }
                if run - at == count { return run }
                at = run
            }
            noClosingRunFrom[count] = start
            return nil
        }

        /// The `)` closing a link destination, parentheses inside it balanced, on its line.
        func destinationEnd(from start: Int) -> Int? {
            var depth = 0
            var at = start
            // Bounded, so a line of `](` without a `)` costs a fixed scan each, not the line's length.
            while at < scalars.count, scalars[at] != "\n", at - start < Self.longestDestination {
                switch scalars[at] {
                case "\\": at += 1
                case "(": depth += 1
                case ")":
                    if depth == 0 { return at }
                    depth -= 1
                default: break
                }
                at += 1
            }
            return nil
        }

        mutating func verbatim(upTo end: Int) {
            flush()
            output.unicodeScalars.append(contentsOf: scalars[index..<end])
            index = end
        }

        mutating func write(_ scalar: Unicode.Scalar) {
            index += 1
            guard !scalar.isASCII else {
                pending.append(scalar)
                return
            }
            let folded = decomposition(of: scalar)
            for part in folded.unicodeScalars {
                if part.isASCII, escapes(part) { pending.append("\\") }
                pending.append(part)
            }
        }

        /// The scalar's compatibility decomposition (NFKD); composed again with its
        /// neighbours when the text is flushed.
        mutating func decomposition(of scalar: Unicode.Scalar) -> String {
            if let known = decompositions[scalar] { return known }
            let folded = String(scalar).decomposedStringWithCompatibilityMapping
            decompositions[scalar] = folded
            return folded
        }

        /// Punctuation a fold produced is escaped where markdown would read it: always for
        /// the inline markup characters, and `.` or `)` after a number starting a line or
        /// a word (`1.` would start a list).
        func escapes(_ part: Unicode.Scalar) -> Bool {
            if CompatibilityFolding.inlinePunctuation.contains(part) { return true }
            guard part == "." || part == ")" else { return false }
            var digits = 0
            var at = pending.endIndex
            while at > pending.startIndex {
                let before = pending[pending.index(before: at)]
                guard ("0"..."9").contains(before) else {
                    return digits > 0 && (before == " " || before == "\n")
                }
                digits += 1
                at = pending.index(before: at)
            }
            return digits > 0 && (output.isEmpty || output.unicodeScalars.last == "\n" || output.unicodeScalars.last == " ")
        }

        /// Pending text composed (NFC): with the decompositions, NFKC.
        mutating func flush() {
            guard !pending.isEmpty else { return }
            output += String(pending).precomposedStringWithCanonicalMapping
            pending = String.UnicodeScalarView()
        }
    }
}
