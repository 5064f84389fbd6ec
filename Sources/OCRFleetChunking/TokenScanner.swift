/// How good a place to cut a chunk the gap before a token is; higher is better.
enum Break: UInt8, Comparable {
    /// Inside a word, a table row or a line of code: cut only when nothing else is in reach.
    case none
    case word
    /// A line break inside running text.
    case line
    case sentence
    /// The end of a list item, a table row or a line of code.
    case row
    case block
    case page
    case heading

    static func < (lhs: Break, rhs: Break) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Splits markdown text into `ApproximateTokens` and rates the gap before each.
enum TokenScanner {
    /// What the text is, which decides where it may be cut.
    enum Kind {
        case prose, table, htmlTable, code
    }

    struct Piece {
        var start: Int
        var end: Int
        var isWord: Bool
        var breakBefore: Break
    }

    static func scan(_ s: [Unicode.Scalar], _ range: Range<Int>, kind: Kind, emit: (Piece) -> Void) {
        var i = range.lowerBound
        let end = range.upperBound
        var spaced = false
        var newline = false
        var previous: ScalarClass?
        var sentenceEnded = false
        while i < end {
            let scalarClass = ScalarClass(s[i])
            if scalarClass == .space {
                spaced = true
                if s[i] == "\n" { newline = true }
                i += 1
                continue
            }
            var j = i + 1
            var pieceLength = 1
            switch scalarClass {
            case .word:
                pieceLength = ApproximateTokens.wordPiece
                while j < end {
                    if ScalarClass(s[j]) == .word {
                        j += 1
                    } else if s[j] == "'" || s[j] == "\u{2019}", j + 1 < end, ScalarClass(s[j + 1]) == .word {
                        j += 2
                    } else {
                        break
                    }
                }
            case .punctuation:
                pieceLength = ApproximateTokens.punctuationPiece
                // In an HTML table a row's end splits the `><` between two rows.
                while j < end, ScalarClass(s[j]) == .punctuation, kind != .htmlTable || !endsTableRow(s, before: j) {
                    j += 1
                }
            case .ideograph, .space:
                break
            }
            let joint: Break =
                switch (previous, kind) {
                case (nil, _): .block
                case (_, .table), (_, .code): newline ? .row : .none
                case (_, .htmlTable): newline || endsTableRow(s, before: i) ? .row : .none
                case (let previous?, .prose):
                    if newline {
                        startsListItem(s, at: i, end: end) ? .row : sentenceEnded ? .sentence : .line
                    } else if spaced || previous == .ideograph || scalarClass == .ideograph {
                        sentenceEnded ? .sentence : .word
                    } else {
                        .none
                    }
                }
            var k = i
            while k < j {
                let pieceEnd = min(k + pieceLength, j)
                emit(Piece(start: k, end: pieceEnd, isWord: scalarClass != .punctuation, breakBefore: k == i ? joint : .none))
                k = pieceEnd
            }
            sentenceEnded = scalarClass == .punctuation && s[i..<j].contains(where: isSentenceEnd)
            previous = scalarClass
            spaced = false
            newline = false
            i = j
        }
    }

    static func isSentenceEnd(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case ".", "!", "?", "\u{2026}", "\u{3002}", "\u{FF01}", "\u{FF1F}": true
        default: false
        }
    }

    /// `- `, `* `, `+ `, `12. ` or `3) ` at `i`.
    static func startsListItem(_ s: [Unicode.Scalar], at i: Int, end: Int) -> Bool {
        if s[i] == "-" || s[i] == "*" || s[i] == "+" {
            return i + 1 < end && s[i + 1] == " "
        }
        var j = i
        while j < end, j - i < 9, ("0"..."9").contains(s[j]) { j += 1 }
        return j > i && j + 1 < end && (s[j] == "." || s[j] == ")") && s[j + 1] == " "
    }

    /// Whether `</tr>` ends right before `i`: the row boundary of an HTML table on one line.
    static func endsTableRow(_ s: [Unicode.Scalar], before i: Int) -> Bool {
        guard i >= 5 else { return false }
        return zip(s[(i - 5)..<i], "</tr>".unicodeScalars).allSatisfy { a, b in
            a == b || (("A"..."Z").contains(a) && a.value + 32 == b.value)
        }
    }
}
