import OCRFleetMarkdown
import OCRFleetModel
import OCRFleetXML

/// A PPTX read from its XML: one page per slide in presentation order, the slide's title as
/// its heading, body placeholders as (nested) bullets, text boxes as paragraphs, tables as
/// GFM tables, pictures handed on for an engine to read, and the speaker notes last.
public struct PresentationDocument {
    let archive: ZipArchive

    static let presentationPart = "ppt/presentation.xml"

    public init(archive: ZipArchive) { self.archive = archive }

    public func content(images: Bool) throws(OCRError) -> OfficeContent {
        guard let bytes = try archive.read(Self.presentationPart) else {
            throw OCRError(.corruptDocument, "the PPTX has no ppt/presentation.xml")
        }
        let relationships = try Relationships(of: Self.presentationPart, in: archive)
        let reader = try XMLReader(bytes, part: Self.presentationPart)
        var slides: [String] = []
        while let node = try reader.next() {
            if case .start("sldId") = node, let id = reader.attribute("id"), let target = relationships.targets[id] {
                slides.append(target.path)
            }
        }
        var pages: [[OfficeContent.Block]] = []
        for slide in slides {
            pages.append(try self.slide(slide, images: images))
        }
        return OfficeContent(pages: pages.isEmpty ? [[]] : pages)
    }

    /// A shape's text as it will be written.
    struct Shape {
        enum Kind { case title, body, text }
        var kind: Kind
        var paragraphs: [(level: Int, text: String)] = []
    }

    func slide(_ part: String, images: Bool) throws(OCRError) -> [OfficeContent.Block] {
        guard let bytes = try archive.read(part) else {
            throw OCRError(.corruptDocument, "the PPTX names a slide it does not hold (\(part))")
        }
        let relationships = try Relationships(of: part, in: archive)
        let reader = try XMLReader(bytes, part: part)
        var title: [String] = []
        var blocks: [OfficeContent.Block] = []
        var notes: String?
        while let node = try reader.next() {
            switch node {
            case .start("sp"):
                let shape = try readShape(reader, end: "sp")
                let texts = shape.paragraphs.filter { !$0.text.isEmpty }
                guard !texts.isEmpty else { continue }
                switch shape.kind {
                case .title:
                    title.append(texts.map(\.text).joined(separator: " "))
                case .body:
                    let items = texts.map { ListItem(indent: Double($0.level), ordered: false, markdown: $0.text) }
                    blocks.append(.markdown(MarkdownWriting.list(items)))
                case .text:
                    blocks += texts.map { .markdown(MarkdownWriting.escapeBlockStart($0.text)) }
                }
            case .start("tbl"):
                let rows = try readTable(reader)
                if !rows.isEmpty { blocks.append(.markdown(MarkdownWriting.table(rows))) }
            case .start("blip"):
                if images, let id = reader.attribute("embed"), let target = relationships.targets[id], !target.external,
                    let picture = try archive.read(target.path)
                {
                    blocks.append(.image(OfficeContent.EmbeddedImage(name: target.path, bytes: picture)))
                }
            default:
                continue
            }
        }
        if let notesPart = relationships.targets.values.first(where: { $0.path.contains("notesSlides/") }) {
            notes = try speakerNotes(notesPart.path)
        }
        var page: [OfficeContent.Block] = []
        if !title.isEmpty { page.append(.markdown("# " + MarkdownWriting.escapeInline(title.joined(separator: " ")))) }
        page += blocks
        if let notes, !notes.isEmpty { page.append(.markdown("> **Notes:** " + notes)) }
        return page
    }

    /// Reads a shape from just after its start tag: its placeholder type and paragraphs.
    func readShape(_ reader: XMLReader, end: String) throws(OCRError) -> Shape {
        var shape = Shape(kind: .text)
        var runs: [StyledText] = []
        var level = 0
        var bold = false
        var italic = false
        var inText = false
        while let node = try reader.next() {
            switch node {
            case .end(end):
                return shape
            case .start("ph"):
                // A placeholder without a type is a content placeholder: bullets.
                switch reader.attribute("type") ?? "body" {
                case "title", "ctrTitle": shape.kind = .title
                case "body": shape.kind = .body
                default: shape.kind = .text
                }
            case .start("p"):
                runs = []
                level = 0
            case .start("pPr"):
                level = reader.attribute("lvl").flatMap { Int($0) } ?? 0
            case .start("rPr"):
                bold = WordDocument.isOn(reader.attribute("b") ?? "0")
                italic = WordDocument.isOn(reader.attribute("i") ?? "0")
            case .start("r"):
                bold = false
                italic = false
            case .start("t"): inText = true
            case .end("t"): inText = false
            case .text(let text) where inText:
                runs.append(StyledText(text, bold: bold, italic: italic))
            case .start("br"):
                runs.append(StyledText(" "))
            case .end("p"):
                shape.paragraphs.append((level, MarkdownWriting.inline(runs).trimmingSpaces()))
            default:
                continue
            }
        }
        return shape
    }

    /// Reads a DrawingML table from just after `<a:tbl>`; merged cells (`hMerge`, `vMerge`) are empty.
    func readTable(_ reader: XMLReader) throws(OCRError) -> [[String]] {
        var rows: [[String]] = []
        var merged = false
        while let node = try reader.next() {
            switch node {
            case .end("tbl"):
                return rows
            case .start("tr"):
                rows.append([])
            case .start("tc"):
                merged = reader.attribute("hMerge") == "1" || reader.attribute("vMerge") == "1"
                let cell = try readShape(reader, end: "tc")
                let text = cell.paragraphs.map(\.text).filter { !$0.isEmpty }.joined(separator: "\n")
                if !rows.isEmpty { rows[rows.count - 1].append(merged ? "" : text) }
            default:
                continue
            }
        }
        return rows
    }

    /// The text of the notes page's body placeholder.
    func speakerNotes(_ part: String) throws(OCRError) -> String {
        guard let bytes = try archive.read(part) else { return "" }
        let reader = try XMLReader(bytes, part: part)
        var texts: [String] = []
        while let node = try reader.next() {
            guard case .start("sp") = node else { continue }
            let shape = try readShape(reader, end: "sp")
            if shape.kind == .body { texts += shape.paragraphs.map(\.text).filter { !$0.isEmpty } }
        }
        return texts.joined(separator: " ")
    }
}
