/// A conservative count of a text's model tokens without the model's vocabulary: one token per
/// started three bytes of UTF-8. Tokenizers of instruction models give about four bytes per
/// token on English and fewer on other scripts, so pieces cut by this count fit the context.
enum TokenEstimate {
    static let bytesPerToken = 3

    static func count(_ text: String) -> Int { (text.utf8.count + bytesPerToken - 1) / bytesPerToken }

    /// The longest start of `text` of at most `tokens` tokens, whole characters only.
    static func prefix(of text: String, tokens: Int) -> Substring {
        let budget = max(0, tokens) * bytesPerToken
        guard text.utf8.count > budget else { return text[...] }
        var bytes = 0
        var end = text.startIndex
        for index in text.indices {
            let next = text.index(after: index)
            bytes += text.utf8.distance(from: index, to: next)
            if bytes > budget { break }
            end = next
        }
        return text[..<end]
    }
}
