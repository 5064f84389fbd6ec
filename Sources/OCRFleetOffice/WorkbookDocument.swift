import OCRFleetMarkdown
import OCRFleetModel
import OCRFleetXML

/// An XLSX read from its XML: one page per sheet in workbook order, headed by the sheet's
/// name, its cells as a GFM table (the first row the header) without empty rows and columns,
/// each cell as a spreadsheet shows it ([formats.md](../../docs/formats.md#xlsx-from-its-xml)):
/// numbers and dates through their number format, booleans as TRUE/FALSE, errors as written,
/// formulas by their cached value, shared and inline strings with their rich-text runs. Cell
/// comments are footnotes of their cell, defined under the sheet's table.
public struct WorkbookDocument {
    let archive: ZipArchive

    static let workbookPart = "xl/workbook.xml"
    static let commentsType = "/relationships/comments"

    public init(archive: ZipArchive) { self.archive = archive }

    public func content() throws(OCRError) -> OfficeContent {
        guard let bytes = try archive.read(Self.workbookPart) else {
            throw OCRError(.corruptDocument, "the XLSX has no xl/workbook.xml")
        }
        let relationships = try Relationships(of: Self.workbookPart, in: archive)
        let reader = try XMLReader(bytes, part: Self.workbookPart)
        var sheets: [(name: String, part: String)] = []
        var dates1904 = false
        while let node = try reader.next() {
            switch node {
            case .start("workbookPr"):
                dates1904 = WordDocument.isOn(reader.attribute("date1904") ?? "false")
            case .start("sheet"):
                if let id = reader.attribute("id"), let target = relationships.targets[id] {
                    sheets.append((reader.attribute("name") ?? "Sheet \(sheets.count + 1)", target.path))
                }
            default:
                continue
            }
        }
        let strings = try sharedStrings()
        let styles = try WorkbookStyles(archive: archive)
        var pages: [[OfficeContent.Block]] = []
        var notes = 0
        for sheet in sheets {
            var grid = try cells(of: sheet.part, strings: strings, styles: styles, dates1904: dates1904)
            var footnotes: [String] = []
            for comment in try comments(of: sheet.part) {
                notes += 1
                grid[comment.row, default: [:]][comment.column, default: ""] += "[^\(notes)]"
                footnotes.append("[^\(notes)]: " + MarkdownWriting.escapeInline(comment.text))
            }
            var page: [OfficeContent.Block] = [.markdown("## " + MarkdownWriting.escapeInline(sheet.name))]
            let rows = Self.table(grid)
            if !rows.isEmpty { page.append(.markdown(MarkdownWriting.table(rows))) }
            if !footnotes.isEmpty { page.append(.markdown(footnotes.joined(separator: "\n"))) }
            pages.append(page)
        }
        return OfficeContent(pages: pages.isEmpty ? [[]] : pages)
    }

    /// Row → column → text, for the cells that show something.
    typealias Grid = [Int: [Int: String]]

    /// The sheet's cells as they show.
    func cells(of part: String, strings: [String], styles: WorkbookStyles, dates1904: Bool) throws(OCRError) -> Grid {
        guard let bytes = try archive.read(part) else {
            throw OCRError(.corruptDocument, "the XLSX names a sheet it does not hold (\(part))")
        }
        let reader = try XMLReader(bytes, part: part)
        var grid: Grid = [:]
        var row = 0
        var column = 0
        var type = "n"
        var style = 0
        var value = ""
        var inValue = false
        var inInline = false
        var inPhonetic = false
        while let node = try reader.next() {
            switch node {
            case .start("row"):
                row = reader.attribute("r").flatMap { Int($0) } ?? row + 1
                column = 0
            case .start("c"):
                column = reader.attribute("r").flatMap(Self.column(of:)) ?? column + 1
                type = reader.attribute("t") ?? "n"
                style = reader.attribute("s").flatMap { Int($0) } ?? 0
                value = ""
            case .start("v"): inValue = true
            case .end("v"): inValue = false
            case .start("is"): inInline = true
            case .end("is"): inInline = false
            case .start("rPh"): inPhonetic = true
            case .end("rPh"): inPhonetic = false
            case .text(let text) where inValue || (inInline && !inPhonetic):
                value += text
            case .end("c"):
                let text = Self.display(
                    value,
                    type: type,
                    format: styles.format(ofStyle: style),
                    dates1904: dates1904,
                    strings: strings
                )
                // A cell's text is the document's, never markup: `<!-- page 3 -->` in a cell
                // must not read as the worker's own page marker.
                if !text.isEmpty { grid[row, default: [:]][column] = MarkdownWriting.escapeInline(text) }
            default:
                continue
            }
        }
        return grid
    }

    /// The grid's non-empty rows, each cut to the columns that hold something anywhere.
    static func table(_ grid: Grid) -> [[String]] {
        let columns = Set(grid.values.flatMap(\.keys)).sorted()
        return grid.keys.sorted().map { row in columns.map { grid[row]?[$0] ?? "" } }
    }

    /// A cell's text: shared strings looked up, booleans as TRUE/FALSE, numbers through the
    /// cell's number format, ISO 8601 dates (`t="d"`) through its date format (as written
    /// without one), errors and strings as written.
    static func display(_ value: String, type: String, format: NumberFormat, dates1904: Bool, strings: [String]) -> String {
        switch type {
        case "s": return Int(value).flatMap { strings.indices.contains($0) ? strings[$0] : nil } ?? ""
        case "b": return value == "1" || value.lowercased() == "true" ? "TRUE" : "FALSE"
        case "n":
            guard !value.isEmpty, let number = Double(value) else { return value }
            return format.text(for: number, dates1904: dates1904)
        case "d":
            guard format.isDate, let serial = SerialDate.serial(iso: value, dates1904: dates1904) else { return value }
            return format.text(for: serial, dates1904: dates1904)
        default: return value
        }
    }

    /// `B12` → 2.
    static func column(of reference: String) -> Int? {
        var column = 0
        for character in reference {
            guard let ascii = character.asciiValue, character.isLetter else { break }
            column = column * 26 + Int(ascii & 0xDF) - 64
        }
        return column > 0 ? column : nil
    }

    /// `B12` → 12.
    static func row(of reference: String) -> Int? {
        Int(reference.drop { $0.isLetter })
    }

    func sharedStrings() throws(OCRError) -> [String] {
        let part = "xl/sharedStrings.xml"
        guard let bytes = try archive.read(part) else { return [] }
        let reader = try XMLReader(bytes, part: part)
        var strings: [String] = []
        var current = ""
        var inText = false
        var inPhonetic = false
        while let node = try reader.next() {
            switch node {
            case .start("si"): current = ""
            case .end("si"): strings.append(current)
            case .start("rPh"): inPhonetic = true
            case .end("rPh"): inPhonetic = false
            case .start("t"): inText = !inPhonetic
            case .end("t"): inText = false
            case .text(let text) where inText: current += text
            default: continue
            }
        }
        return strings
    }

    /// The sheet's cell comments (notes), in sheet order, their text on one line each.
    func comments(of sheetPart: String) throws(OCRError) -> [(row: Int, column: Int, text: String)] {
        let relationships = try Relationships(of: sheetPart, in: archive)
        var comments: [(row: Int, column: Int, text: String)] = []
        for target in relationships.targets.values where !target.external && target.type.hasSuffix(Self.commentsType) {
            guard let bytes = try archive.read(target.path) else { continue }
            let reader = try XMLReader(bytes, part: target.path)
            var reference = ""
            var text = ""
            var inText = false
            var inPhonetic = false
            while let node = try reader.next() {
                switch node {
                case .start("comment"):
                    reference = reader.attribute("ref") ?? ""
                    text = ""
                case .start("rPh"): inPhonetic = true
                case .end("rPh"): inPhonetic = false
                case .start("t"): inText = !inPhonetic
                case .end("t"): inText = false
                case .text(let piece) where inText: text += piece
                case .end("comment"):
                    let line = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                    if let row = Self.row(of: reference), let column = Self.column(of: reference), !line.isEmpty {
                        comments.append((row, column, MarkdownWriting.escapeInline(line)))
                    }
                default:
                    continue
                }
            }
        }
        return comments.sorted { ($0.row, $0.column) < ($1.row, $1.column) }
    }
}
