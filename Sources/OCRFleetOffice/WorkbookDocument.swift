import OCRFleetMarkdown
import OCRFleetModel
import OCRFleetXML

/// An XLSX read from its XML: one page per sheet in workbook order, headed by the sheet's
/// name, its cells as a GFM table (the first row the header) without empty rows and columns.
/// Shared and inline strings, numbers, booleans, errors, dates (from the cell's number format,
/// written as ISO 8601) and formulas' cached values.
public struct WorkbookDocument {
    let archive: ZipArchive

    static let workbookPart = "xl/workbook.xml"

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
        let dateStyles = try self.dateStyles()
        var pages: [[OfficeContent.Block]] = []
        for sheet in sheets {
            let rows = try cells(of: sheet.part, strings: strings, dateStyles: dateStyles, dates1904: dates1904)
            var page: [OfficeContent.Block] = [.markdown("## " + MarkdownWriting.escapeInline(sheet.name))]
            if !rows.isEmpty { page.append(.markdown(MarkdownWriting.table(rows))) }
            pages.append(page)
        }
        return OfficeContent(pages: pages.isEmpty ? [[]] : pages)
    }

    /// The sheet's non-empty rows, each cut to the columns that hold something anywhere.
    func cells(
        of part: String,
        strings: [String],
        dateStyles: Set<Int>,
        dates1904: Bool
    ) throws(OCRError)
        -> [[String]]
    {
        guard let bytes = try archive.read(part) else {
            throw OCRError(.corruptDocument, "the XLSX names a sheet it does not hold (\(part))")
        }
        let reader = try XMLReader(bytes, part: part)
        var grid: [Int: [Int: String]] = [:]
        var row = 0
        var column = 0
        var type = "n"
        var style = 0
        var value = ""
        var inValue = false
        var inInline = false
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
            case .text(let text) where inValue || inInline:
                value += text
            case .end("c"):
                let text = Self.display(value, type: type, isDate: dateStyles.contains(style), dates1904: dates1904, strings: strings)
                if !text.isEmpty { grid[row, default: [:]][column] = text }
            default:
                continue
            }
        }
        let rows = grid.keys.sorted()
        let columns = Set(grid.values.flatMap(\.keys)).sorted()
        return rows.map { row in columns.map { grid[row]?[$0] ?? "" } }
    }

    /// A cell's text: shared strings looked up, booleans as TRUE/FALSE, dates as ISO 8601.
    static func display(_ value: String, type: String, isDate: Bool, dates1904: Bool, strings: [String]) -> String {
        switch type {
        case "s": return Int(value).flatMap { strings.indices.contains($0) ? strings[$0] : nil } ?? ""
        case "b": return value == "1" ? "TRUE" : "FALSE"
        case "n" where isDate: return Double(value).map { date(serial: $0, dates1904: dates1904) } ?? value
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

    /// A spreadsheet date serial as `yyyy-mm-dd`, with `THH:MM[:SS]` when it has a time.
    static func date(serial: Double, dates1904: Bool) -> String {
        // Serials count days from 1899-12-30 (absorbing Lotus's 29 February 1900), or from 1904-01-01.
        let days = Int(serial.rounded(.down)) + (dates1904 ? 1462 : 0)
        var seconds = Int(((serial - serial.rounded(.down)) * 86_400).rounded())
        var dayNumber = days - 25_569  // days from 1970-01-01
        if seconds == 86_400 {
            dayNumber += 1
            seconds = 0
        }
        // Howard Hinnant's civil-from-days.
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        var text = "\(year)-\(two(month))-\(two(day))"
        if seconds > 0 {
            text += "T\(two(seconds / 3600)):\(two(seconds / 60 % 60))"
            if seconds % 60 != 0 { text += ":\(two(seconds % 60))" }
        }
        return text
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

    /// Indexes of the cell formats (`cellXfs`) whose number format shows a date.
    func dateStyles() throws(OCRError) -> Set<Int> {
        let part = "xl/styles.xml"
        guard let bytes = try archive.read(part) else { return [] }
        let reader = try XMLReader(bytes, part: part)
        // Excel's built-in date and time formats.
        var dateFormats = Set(14...22).union(45...47).union(27...36).union(50...58)
        var styles: Set<Int> = []
        var inCellFormats = false
        var index = 0
        while let node = try reader.next() {
            switch node {
            case .start("numFmt"):
                if let id = reader.attribute("numFmtId").flatMap({ Int($0) }) {
                    if Self.isDateFormat(reader.attribute("formatCode") ?? "") {
                        dateFormats.insert(id)
                    } else {
                        dateFormats.remove(id)
                    }
                }
            case .start("cellXfs"):
                inCellFormats = true
                index = 0
            case .end("cellXfs"):
                inCellFormats = false
            case .start("xf") where inCellFormats:
                if let id = reader.attribute("numFmtId").flatMap({ Int($0) }), dateFormats.contains(id) {
                    styles.insert(index)
                }
                index += 1
            default:
                continue
            }
        }
        return styles
    }

    /// A format code with day or year fields, outside quoted text, escapes and `[…]` sections.
    static func isDateFormat(_ code: String) -> Bool {
        var quoted = false
        var bracketed = false
        var escaped = false
        for character in code.lowercased() {
            if escaped {
                escaped = false
                continue
            }
            switch character {
            case "\\": escaped = true
            case "\"": quoted.toggle()
            case "[": bracketed = true
            case "]": bracketed = false
            case "d", "y":
                if !quoted && !bracketed { return true }
            default: continue
            }
        }
        return false
    }
}
