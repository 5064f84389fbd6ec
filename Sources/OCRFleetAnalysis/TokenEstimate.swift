/// A conservative count of a text's model tokens without the model's vocabulary: each ASCII
/// digit one token (Qwen's tokenizer, like others, splits numbers into single digits), the rest
/// one token per started three bytes of UTF-8. Tokenizers of instruction models give about four
/// bytes per token on English and fewer on other scripts, so pieces cut by this count fit the
/// context.
enum TokenEstimate {
    static let bytesPerToken = 3

    static func count(_ text: some StringProtocol) -> Int {
        var digits = 0
        var others = 0
        for byte in text.utf8 {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { digits += 1 } else { others += 1 }
        }
        return digits + (others + bytesPerToken - 1) / bytesPerToken
    }

    /// The longest start of `text` of at most `tokens` tokens, whole characters only.
    static func prefix<Text: StringProtocol>(of text: Text, tokens: Int) -> Substring where Text.SubSequence == Substring {
        let budget = max(0, tokens)
        guard count(text) > budget else { return text[...] }
        var digits = 0
        var others = 0
        var end = text.startIndex
        for index in text.indices {
            let next = text.index(after: index)
            for byte in text.utf8[index..<next] {
                if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { digits += 1 } else { others += 1 }
            }
            if digits + (others + bytesPerToken - 1) / bytesPerToken > budget { break }
            end = next
        }
        return text[..<end]
    }
}
