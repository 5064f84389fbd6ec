/// Where a cited span is on the page: the words of the layout sidecar that make it up, or
/// else the block whose text holds it. Text is compared lower-cased, with white-space runs as
/// one space and markdown's backslash escapes dropped.
struct SpanLayout {
    var box: [Int]?
    /// The words that make up the span; empty when it was placed by its block or not at all.
    var words: [AnalysisWord]

    /// Words beyond the span's own that a run may hold (a word glued to punctuation).
    static let slack = 3

    init(span: String, page: AnalysisPage) {
        let target = Self.normalized(span)
        words = []
        box = nil
        guard !target.isEmpty else { return }
        let pageWords = page.blocks.flatMap(\.words)
        let normalizedWords = pageWords.map { Self.normalized($0.text) }
        let longest = target.split(separator: " ").count + Self.slack
        search: for start in normalizedWords.indices {
            var joined = ""
            for end in start..<min(normalizedWords.count, start + longest) {
                joined += (end > start ? " " : "") + normalizedWords[end]
                guard joined.contains(target) else { continue }
                // The run must need its first word, else a later start finds a tighter one.
                if end > start, normalizedWords[(start + 1)...end].joined(separator: " ").contains(target) { break }
                words = Array(pageWords[start...end])
                box = Self.union(words.map(\.box))
                break search
            }
        }
        if words.isEmpty, let block = page.blocks.first(where: { $0.box.count == 4 && Self.normalized($0.text).contains(target) }) {
            box = block.box
        }
    }

    static func union(_ boxes: [[Int]]) -> [Int]? {
        let boxes = boxes.filter { $0.count == 4 }
        guard let first = boxes.first else { return nil }
        return boxes.dropFirst().reduce(first) { [min($0[0], $1[0]), min($0[1], $1[1]), max($0[2], $1[2]), max($0[3], $1[3])] }
    }

    static func normalized(_ text: String) -> String {
        var result = ""
        var pendingSpace = false
        var escaped = false
        for character in text.lowercased() {
            if character.isWhitespace {
                pendingSpace = !result.isEmpty
                continue
            }
            if character == "\\", !escaped {
                escaped = true
                continue
            }
            if escaped, !(character.isASCII && character.isPunctuation) { result.append("\\") }
            escaped = false
            if pendingSpace { result.append(" ") }
            pendingSpace = false
            result.append(character)
        }
        return result
    }

    /// The cited text's clarity, 0-1: 1 on a page without OCR confidence (a text layer, an
    /// office file), else the mean confidence of its words, else the page's mean.
    func evidence(on page: AnalysisPage) -> Double {
        guard let pageConfidence = page.ocrConfidence else { return 1 }
        guard !words.isEmpty else { return pageConfidence / 100 }
        return words.map(\.confidence).reduce(0, +) / Double(words.count) / 100
    }
}
