import OCRFleetMarkdown
import OCRFleetModel
import OCRFleetXML

/// A DOCX read straight from its XML: headings from paragraph styles, bold and italic,
/// nested bulleted and numbered lists, GFM tables (a merged cell's text in its first cell),
/// hyperlinks, footnotes, and embedded pictures handed on for an engine to read. Explicit page
/// breaks start new pages; a document without them is one page.
public struct WordDocument {
    let archive: ZipArchive
    let relationships: Relationships
    let styles: [String: ParagraphStyle]
    let numbering: Numbering

    static let documentPart = "word/document.xml"

    public init(archive: ZipArchive) throws(OCRError) {
        self.archive = archive
        relationships = try Relationships(of: Self.documentPart, in: archive)
        styles = try Self.readStyles(archive)
        numbering = try Numbering(archive)
    }

    /// The document's pages. `images`: whether embedded pictures are wanted (they cost an
    /// engine call each); without them a picture is left out.
    public func content(images: Bool) throws(OCRError) -> OfficeContent {
        guard let bytes = try archive.read(Self.documentPart) else {
            throw OCRError(.corruptDocument, "the DOCX has no word/document.xml")
        }
        let reader = try XMLReader(bytes, part: Self.documentPart)
        var pages: [[OfficeContent.Block]] = [[]]
        var list: [ListItem] = []
        func flushList() {
            if !list.isEmpty { pages[pages.count - 1].append(.markdown(MarkdownWriting.list(list))) }
            list = []
        }
        while let node = try reader.next() {
            switch node {
            case .start("p"):
                let paragraph = try readParagraph(reader)
                let text = MarkdownWriting.inline(paragraph.runs).trimmingSpaces()
                if let item = listItem(paragraph, text: text) {
                    list.append(item)
                } else {
                    flushList()
                    if !text.isEmpty { pages[pages.count - 1].append(.markdown(block(paragraph, text: text))) }
                }
                if images {
                    for picture in paragraph.pictures {
                        if let image = try embedded(picture) { pages[pages.count - 1].append(.image(image)) }
                    }
                }
                if paragraph.breaksPage {
                    flushList()
                    pages.append([])
                }
            case .start("tbl"):
                flushList()
                let table = try readTable(reader)
                if !table.isEmpty { pages[pages.count - 1].append(.markdown(MarkdownWriting.table(table))) }
            default:
                continue
            }
        }
        flushList()
        let notes = try footnotes()
        if !notes.isEmpty { pages[pages.count - 1].append(.markdown(notes)) }
        if pages.count > 1, pages[pages.count - 1].isEmpty { pages.removeLast() }
        return OfficeContent(pages: pages)
    }

    // MARK: Paragraphs

    struct Paragraph {
        var style: String?
        var numberingID: String?
        var level: Int?
        var indent: Int?
        var runs: [StyledText] = []
        var pictures: [String] = []
        var breaksPage = false
    }

    /// Reads from just after `<w:p>` to its end.
    func readParagraph(_ reader: XMLReader) throws(OCRError) -> Paragraph {
        var paragraph = Paragraph()
        var bold = false
        var italic = false
        var link: String?
        var inText = false
        var inRunProperties = false
        var inParagraphProperties = false
        while let node = try reader.next() {
            switch node {
            case .end("p"):
                return paragraph
            case .start("pPr"): inParagraphProperties = true
            case .end("pPr"): inParagraphProperties = false
            case .start("pStyle") where inParagraphProperties: paragraph.style = reader.attribute("val")
            case .start("numId") where inParagraphProperties: paragraph.numberingID = reader.attribute("val")
            case .start("ilvl") where inParagraphProperties: paragraph.level = reader.attribute("val").flatMap { Int($0) }
            case .start("ind") where inParagraphProperties:
                paragraph.indent = (reader.attribute("left") ?? reader.attribute("start")).flatMap { Int($0) }
            case .start("sectPr") where inParagraphProperties:
                // A section break inside a paragraph's properties ends a section, and its page.
                paragraph.breaksPage = true
                try reader.skipElement("sectPr")
            case .start("r"):
                bold = false
                italic = false
            case .start("rPr"): inRunProperties = true
            case .end("rPr"): inRunProperties = false
            case .start("b") where inRunProperties: bold = Self.isOn(reader.attribute("val"))
            case .start("i") where inRunProperties: italic = Self.isOn(reader.attribute("val"))
            case .start("hyperlink"):
                link = reader.attribute("id").flatMap { relationships.targets[$0] }.flatMap { $0.external ? $0.path : nil }
            case .end("hyperlink"): link = nil
            case .start("t"): inText = true
            case .end("t"): inText = false
            case .text(let text) where inText:
                paragraph.runs.append(StyledText(text, bold: bold, italic: italic, link: link))
            case .start("tab"), .start("cr"):
                paragraph.runs.append(StyledText(" "))
            case .start("br"):
                if reader.attribute("type") == "page" {
                    paragraph.breaksPage = true
                } else {
                    paragraph.runs.append(StyledText(" "))
                }
            case .start("footnoteReference"):
                if let id = reader.attribute("id") { paragraph.runs.append(StyledText("[^\(id)]")) }
            case .start("blip"), .start("imagedata"):
                if let id = reader.attribute("embed") ?? reader.attribute("id") { paragraph.pictures.append(id) }
            case .start("Fallback"):
                // Markup compatibility repeats a drawing as VML for old readers: read it once.
                try reader.skipElement("Fallback")
            case .start("delText"), .start("instrText"):
                if case .start(let name) = node { try reader.skipElement(name) }
            default:
                continue
            }
        }
        return paragraph
    }

    static func isOn(_ value: String?) -> Bool {
        guard let value else { return true }
        return !["0", "false", "off", "none"].contains(value)
    }

    func headingLevel(_ paragraph: Paragraph) -> Int? {
        guard let id = paragraph.style, let style = styles[id] else { return nil }
        return style.headingLevel
    }

    func block(_ paragraph: Paragraph, text: String) -> String {
        if let level = headingLevel(paragraph) {
            let plain = paragraph.runs.map(\.text).joined().trimmingSpaces()
            return String(repeating: "#", count: min(level, 6)) + " " + MarkdownWriting.escapeInline(plain)
        }
        return MarkdownWriting.escapeBlockStart(text)
    }

    /// The paragraph as a list item when it is numbered (by itself or by its style). Nesting
    /// follows the level's indent, so styles such as "List Bullet 2" nest as their indent shows.
    func listItem(_ paragraph: Paragraph, text: String) -> ListItem? {
        let style = paragraph.style.flatMap { styles[$0] }
        guard let id = paragraph.numberingID ?? style?.numberingID, id != "0", !text.isEmpty,
            headingLevel(paragraph) == nil
        else { return nil }
        let level = paragraph.level ?? style?.level ?? 0
        let format = numbering.level(level, of: id)
        let indent = paragraph.indent ?? format?.indent ?? (level + 1) * 720
        return ListItem(indent: Double(indent), ordered: format?.ordered ?? false, markdown: text)
    }

    func embedded(_ relationship: String) throws(OCRError) -> OfficeContent.EmbeddedImage? {
        guard let target = relationships.targets[relationship], !target.external,
            let bytes = try archive.read(target.path)
        else { return nil }
        return OfficeContent.EmbeddedImage(name: target.path, bytes: bytes)
    }

    // MARK: Tables

    /// Reads from just after `<w:tbl>` to its end: rows of cell markdown. A cell spanning
    /// columns leaves the ones it covers empty, as does a vertically merged continuation.
    func readTable(_ reader: XMLReader) throws(OCRError) -> [[String]] {
        var rows: [[String]] = []
        var cell: [String] = []
        var span = 1
        var continuation = false
        while let node = try reader.next() {
            switch node {
            case .end("tbl"):
                return rows
            case .start("tr"):
                rows.append([])
            case .start("tc"):
                cell = []
                span = 1
                continuation = false
            case .start("gridSpan"):
                span = max(1, reader.attribute("val").flatMap { Int($0) } ?? 1)
            case .start("vMerge"):
                continuation = reader.attribute("val") != "restart"
            case .start("p"):
                let paragraph = try readParagraph(reader)
                let text = MarkdownWriting.inline(paragraph.runs).trimmingSpaces()
                if !text.isEmpty { cell.append(text) }
            case .start("tbl"):
                // A table inside a cell: its text, row by row.
                let inner = try readTable(reader)
                cell += inner.map { $0.filter { !$0.isEmpty }.joined(separator: " ") }
            case .end("tc"):
                guard !rows.isEmpty else { continue }
                rows[rows.count - 1].append(continuation ? "" : cell.joined(separator: "\n"))
                rows[rows.count - 1] += Array(repeating: "", count: span - 1)
            default:
                continue
            }
        }
        return rows
    }

    // MARK: Footnotes

    /// `[^id]: text` lines for the document's footnotes, separators aside.
    func footnotes() throws(OCRError) -> String {
        let part = "word/footnotes.xml"
        guard let bytes = try archive.read(part) else { return "" }
        let reader = try XMLReader(bytes, part: part)
        var notes: [String] = []
        var id: String?
        var text: [String] = []
        while let node = try reader.next() {
            switch node {
            case .start("footnote"):
                let type = reader.attribute("type")
                id = type == nil || type == "normal" ? reader.attribute("id") : nil
                text = []
            case .start("p") where id != nil:
                let paragraph = try readParagraph(reader)
                let line = MarkdownWriting.inline(paragraph.runs).trimmingSpaces()
                if !line.isEmpty { text.append(line) }
            case .end("footnote"):
                if let id, !text.isEmpty { notes.append("[^\(id)]: " + text.joined(separator: " ")) }
                id = nil
            default:
                continue
            }
        }
        return notes.joined(separator: "\n")
    }

    // MARK: Styles and numbering

    struct ParagraphStyle {
        var headingLevel: Int?
        var numberingID: String?
        var level: Int?
    }

    /// Paragraph styles by id: heading level from the style's name (`heading 2`, `Title`) or
    /// its outline level, and the numbering a list style carries.
    static func readStyles(_ archive: ZipArchive) throws(OCRError) -> [String: ParagraphStyle] {
        let part = "word/styles.xml"
        guard let bytes = try archive.read(part) else { return [:] }
        let reader = try XMLReader(bytes, part: part)
        var styles: [String: ParagraphStyle] = [:]
        var id: String?
        var style = ParagraphStyle()
        while let node = try reader.next() {
            switch node {
            case .start("style"):
                id = reader.attribute("type") == "paragraph" ? reader.attribute("styleId") : nil
                style = ParagraphStyle()
            case .start("name") where id != nil:
                let name = (reader.attribute("val") ?? "").lowercased()
                if name == "title" {
                    style.headingLevel = 1
                } else if name.hasPrefix("heading "), let level = Int(name.dropFirst(8)) {
                    style.headingLevel = level
                }
            case .start("outlineLvl") where id != nil && style.headingLevel == nil:
                if let level = reader.attribute("val").flatMap({ Int($0) }), level < 9 { style.headingLevel = level + 1 }
            case .start("numId") where id != nil: style.numberingID = reader.attribute("val")
            case .start("ilvl") where id != nil: style.level = reader.attribute("val").flatMap { Int($0) }
            case .end("style"):
                if let id { styles[id] = style }
                id = nil
            default:
                continue
            }
        }
        return styles
    }

    /// `word/numbering.xml`: for each list and level, whether it is numbered and how far it
    /// is indented.
    struct Numbering {
        struct Level {
            var ordered: Bool
            var indent: Int?
        }

        var abstractOf: [String: String] = [:]
        var levels: [String: [Int: Level]] = [:]

        init(_ archive: ZipArchive) throws(OCRError) {
            let part = "word/numbering.xml"
            guard let bytes = try archive.read(part) else { return }
            let reader = try XMLReader(bytes, part: part)
            var abstract: String?
            var number: String?
            var level: Int?
            var current = Level(ordered: false)
            while let node = try reader.next() {
                switch node {
                case .start("abstractNum"): abstract = reader.attribute("abstractNumId")
                case .end("abstractNum"): abstract = nil
                case .start("num"): number = reader.attribute("numId")
                case .end("num"): number = nil
                case .start("abstractNumId") where number != nil:
                    if let number, let target = reader.attribute("val") { abstractOf[number] = target }
                case .start("lvl") where abstract != nil:
                    level = reader.attribute("ilvl").flatMap { Int($0) }
                    current = Level(ordered: false)
                case .start("numFmt") where level != nil:
                    let format = reader.attribute("val") ?? "bullet"
                    current.ordered = format != "bullet" && format != "none"
                case .start("ind") where level != nil:
                    current.indent = (reader.attribute("left") ?? reader.attribute("start")).flatMap { Int($0) }
                case .end("lvl"):
                    if let abstract, let level { levels[abstract, default: [:]][level] = current }
                    level = nil
                default:
                    continue
                }
            }
        }

        func level(_ level: Int, of numberingID: String) -> Level? {
            guard let abstract = abstractOf[numberingID] else { return nil }
            return levels[abstract]?[level]
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
