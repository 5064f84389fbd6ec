/// Words that stand side by side on a page, whatever blocks poppler put them in: a table's
/// row, a running header with its page number at the far edge.
struct VisualRow: Sendable {
    /// Indexes into the page's words, left to right.
    var words: [Int]
    var y0: Double
    var y1: Double

    /// The rows of `words`, top to bottom: a word joins a row when its middle lies within the
    /// row's height and at least half of it overlaps the row.
    static func rows(of words: [PageText.Word]) -> [VisualRow] {
        let order = words.indices.filter { !words[$0].text.isEmpty }
            .sorted { middle(words[$0]) < middle(words[$1]) }
        var rows: [VisualRow] = []
        for index in order {
            let box = words[index].box
            if var last = rows.last, last.y0 <= middle(words[index]), middle(words[index]) <= last.y1,
                min(last.y1, box.y1) - max(last.y0, box.y0) >= (box.y1 - box.y0) / 2
            {
                last.words.append(index)
                last.y0 = min(last.y0, box.y0)
                last.y1 = max(last.y1, box.y1)
                rows[rows.count - 1] = last
            } else {
                rows.append(VisualRow(words: [index], y0: box.y0, y1: box.y1))
            }
        }
        for row in rows.indices { rows[row].words.sort { words[$0].box.x0 < words[$1].box.x0 } }
        return rows
    }

    private static func middle(_ word: PageText.Word) -> Double { (word.box.y0 + word.box.y1) / 2 }

    /// The row's words in runs separated by gaps of at least `gap` points.
    func segments(of words: [PageText.Word], gap: Double) -> [[Int]] {
        var segments: [[Int]] = []
        var right = -Double.infinity
        for index in self.words {
            if segments.isEmpty || words[index].box.x0 - right >= gap {
                segments.append([index])
            } else {
                segments[segments.count - 1].append(index)
            }
            right = max(right, words[index].box.x1)
        }
        return segments
    }

    /// The median size of the row's words.
    func fontSize(of words: [PageText.Word]) -> Double {
        TextLayerMarkdown.medianSize(self.words.map { words[$0] })
    }
}
