/// The token count chunk sizes are given in: a deterministic approximation of a language
/// model's tokens that needs no vocabulary.
///
/// - a run of letters, digits and combining marks (a word; an apostrophe between letters
///   stays inside it) is one token per started `wordPiece` scalars;
/// - a CJK ideograph, kana or hangul syllable is one token;
/// - a run of punctuation and symbols is one token per started `punctuationPiece` scalars;
/// - white space and control characters are no token.
public enum ApproximateTokens {
    /// Chosen against cl100k on English (docs/output.md, Tokens): long words cost more than one
    /// model token, and punctuation runs (markdown tables, rules) more than one per run.
    static let wordPiece = 6
    static let punctuationPiece = 3

    /// The number of tokens in `text`.
    public static func count(_ text: String) -> Int {
        let scalars = Array(text.unicodeScalars)
        var count = 0
        TokenScanner.scan(scalars, 0..<scalars.count, kind: .prose) { _ in count += 1 }
        return count
    }
}

/// What a scalar is to the tokenizer.
enum ScalarClass {
    case space, word, ideograph, punctuation

    init(_ scalar: Unicode.Scalar) {
        let value = scalar.value
        // ASCII without a look-up of Unicode properties: most text is ASCII.
        if value < 0x80 {
            switch value {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: self = .word
            case 0...0x20, 0x7F: self = .space
            default: self = .punctuation
            }
            return
        }
        switch value {
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xF900...0xFAFF, 0x20000...0x2FFFF:
            self = .ideograph
        default:
            let properties = scalar.properties
            if properties.isWhitespace || properties.generalCategory == .control {
                self = .space
            } else if properties.isAlphabetic || properties.numericType != nil {
                self = .word
            } else {
                switch properties.generalCategory {
                case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber:
                    self = .word
                default:
                    self = .punctuation
                }
            }
        }
    }
}
