import OCRFleetMarkdown

/// A table found in a text layer: three or more rows close together whose words leave the
/// same vertical gaps (gutters) free, two columns or more between them. Conservative: rows
/// of prose side by side (a two-column page) and a column of list markers (a list whose text
/// is set off by a tab) are not tables.
struct TextLayerTable: Sendable {
    /// Indexes of the table's words in the words it was found among.
    var words: Set<Int>
    /// Each row's cells as markdown; the first row is the header.
    var cells: [[String]]
    /// Each row's cells as plain text.
    var text: [[String]]

    /// The tables among `words`, top to bottom.
    static func find(in words: [PageText.Word]) -> [TextLayerTable] {
        let rows = VisualRow.rows(of: words)
        var tables: [TextLayerTable] = []
        var run: [VisualRow] = []
        func close() {
            if run.count >= minimumRows, let table = table(of: run, words) { tables.append(table) }
            run = []
        }
        for row in rows {
            let size = row.fontSize(of: words)
            let split = row.segments(of: words, gap: size * gutterShare).count >= 2
            if split, let last = run.last, row.y0 - last.y1 > (row.y1 - row.y0) * 2.5 { close() }
            if split { run.append(row) } else { close() }
        }
        close()
        return tables
    }

    static let minimumRows = 3
    /// The narrowest gutter, as a share of the type size: wider than a space between words
    /// (a quarter to a third of it), as narrow as cell padding allows.
    static let gutterShare = 0.45
    /// The most columns a grid may have and still be written as a table.
    static let maxColumns = 64

    /// The table `rows` make, if they make one.
    static func table(of rows: [VisualRow], _ words: [PageText.Word]) -> TextLayerTable? {
        let indexes = rows.flatMap(\.words)
        let size = TextLayerMarkdown.medianSize(indexes.map { words[$0] })
        // The columns: the x extents that words cover, merged where gutters are narrower than a column gap.
        var spans: [(x0: Double, x1: Double)] = []
        for index in indexes.sorted(by: { words[$0].box.x0 < words[$1].box.x0 }) {
            let box = words[index].box
            if let last = spans.last, box.x0 - last.x1 < size * gutterShare {
                spans[spans.count - 1].x1 = max(last.x1, box.x1)
            } else {
                spans.append((box.x0, box.x1))
            }
        }
        // A grid people read has a few columns; one of thousands is a page of scattered words,
        // and its rows × columns cells would cost more than the page is worth.
        guard spans.count >= 2, spans.count <= maxColumns, rows.count * spans.count <= indexes.count * 8 else { return nil }
        func column(of index: Int) -> Int {
            let middle = (words[index].box.x0 + words[index].box.x1) / 2
            // The last span starting at or before the middle (spans are sorted by x0).
            var low = 0
            var high = spans.count
            while low < high {
                let mid = (low + high) / 2
                if spans[mid].x0 <= middle { low = mid + 1 } else { high = mid }
            }
            return max(low - 1, 0)
        }
        var grid: [[[Int]]] = rows.map { row in
            var cells = [[Int]](repeating: [], count: spans.count)
            for index in row.words { cells[column(of: index)].append(index) }
            return cells
        }
        // Most rows fill two cells or more; a grid of mostly single cells is text.
        let filledRows = grid.filter { $0.filter { !$0.isEmpty }.count >= 2 }.count
        guard filledRows * 4 >= grid.count * 3 else { return nil }
        // Prose side by side: half the columns or more run to five words a cell.
        let prose = (0..<spans.count).filter { column in
            let filled = grid.map { $0[column] }.filter { !$0.isEmpty }
            return !filled.isEmpty && filled.map(\.count).reduce(0, +) >= filled.count * 5
        }
        guard prose.count * 2 < spans.count else { return nil }
        // A first column of list markers is a list set off by a tab.
        let first = grid.map { $0[0] }.filter { !$0.isEmpty }
        let markers = first.filter { cell in
            cell.count == 1
                && (TextLayerMarkdown.isMarkerGlyph(words[cell[0]]) || TextLayerMarkdown.listMarker(words[cell[0]].text) != nil)
        }
        if markers.count == first.count { return nil }
        grid = grid.map { $0.map { $0.sorted { words[$0].box.x0 < words[$1].box.x0 } } }
        return TextLayerTable(
            words: Set(indexes),
            cells: grid.map { row in row.map { TextLayerMarkdown.joinLines([$0.map { words[$0] }], styled: true) } },
            text: grid.map { row in row.map { $0.map { words[$0].text }.joined(separator: " ") } }
        )
    }
}
