import CPoppler
import OCRFleetModel

/// A page's text layer as poppler reads it: words in reading order, grouped in lines and
/// blocks, with the signs that tell a born-digital page from a scan with text laid over it.
public struct PageText: Sendable, Equatable, Codable {
    /// Points, origin at the top left of the page as displayed.
    public struct Box: Sendable, Equatable, Codable {
        public var x0, y0, x1, y1: Double
    }

    public struct Word: Sendable, Equatable, Codable {
        public var text: String
        public var box: Box
        public var fontSize: Double
        public var block: Int
        public var line: Int
        public var bold: Bool
        public var italic: Bool
        public var spaceAfter: Bool
        /// Ends a line that ends with a hyphen: the word continues on the next line.
        public var hyphenated: Bool
        public var link: String?
    }

    /// Points, as displayed.
    public var width: Double
    public var height: Double
    public var words: [Word]
    /// Glyphs drawn, spaces aside: visible ones, invisible ones (text render mode 3, as OCR
    /// layers over scans are drawn), and ones with no usable Unicode.
    public var visibleGlyphs: Int
    public var invisibleGlyphs: Int
    public var unmappedGlyphs: Int
    /// Page area under images, as a fraction of the page.
    public var imageCoverage: Double

    public init(
        width: Double,
        height: Double,
        words: [Word],
        visibleGlyphs: Int,
        invisibleGlyphs: Int,
        unmappedGlyphs: Int,
        imageCoverage: Double
    ) {
        self.width = width
        self.height = height
        self.words = words
        self.visibleGlyphs = visibleGlyphs
        self.invisibleGlyphs = invisibleGlyphs
        self.unmappedGlyphs = unmappedGlyphs
        self.imageCoverage = imageCoverage
    }

    /// Whether the page can be written from this layer instead of being recognised: enough
    /// visible text, nearly all of it with real characters, and not an invisible layer
    /// (someone's earlier OCR) over a scanned image.
    public var isUsable: Bool { unusableReason == nil }

    /// Why the page goes to the engine in `hybrid` mode; nil when the layer is usable.
    public var unusableReason: String? {
        if invisibleGlyphs > visibleGlyphs { return "its text is an invisible layer over an image" }
        if visibleGlyphs < Self.minimumGlyphs { return "it has \(visibleGlyphs) characters of text" }
        if Double(unmappedGlyphs) > Double(visibleGlyphs + invisibleGlyphs) * Self.maximumUnmappedShare {
            return "\(unmappedGlyphs) of its \(visibleGlyphs + invisibleGlyphs) characters have no Unicode mapping"
        }
        return nil
    }

    /// Too little visible text to be a born-digital page: a scan (perhaps under an invisible
    /// OCR layer), or a page that is all picture.
    public var looksScanned: Bool { visibleGlyphs < Self.minimumGlyphs }

    /// Fewer characters than this and the page is most likely a scan with a caption or a
    /// page number; the engine reads it whole.
    static let minimumGlyphs = 24
    /// Fonts without a ToUnicode map come out as private-use or replacement characters.
    static let maximumUnmappedShare = 0.1
}

extension PDFDocument {
    /// The text layer of page `index` (0-based). Invisible text is counted always but kept
    /// only with `includeInvisible` (for `text` mode and for pages the engine failed on).
    public func text(page index: Int, includeInvisible: Bool) throws(OCRError) -> PageText {
        var raw = ocr_pdf_text()
        let status = ocr_pdf_page_text(document, Int32(index), includeInvisible ? 1 : 0, &raw)
        guard status == OCR_PDF_OK else {
            throw OCRError(.corruptDocument, "the text of page \(index + 1) of the PDF cannot be read")
        }
        defer { ocr_pdf_text_free(&raw) }
        let bytes = UnsafeRawBufferPointer(start: raw.text, count: raw.text_length)
        let words = UnsafeBufferPointer(start: raw.words, count: Int(raw.word_count)).map { PageText.Word($0, in: bytes) }
        return PageText(
            width: raw.width,
            height: raw.height,
            words: words,
            visibleGlyphs: Int(raw.visible_glyphs),
            invisibleGlyphs: Int(raw.invisible_glyphs),
            unmappedGlyphs: Int(raw.unmapped_glyphs),
            imageCoverage: raw.image_coverage
        )
    }
}

extension PageText.Word {
    fileprivate init(_ raw: ocr_pdf_word, in bytes: UnsafeRawBufferPointer) {
        func string(_ offset: Int, _ length: Int) -> String {
            String(decoding: bytes[offset..<offset + length], as: UTF8.self)
        }
        func flag(_ bit: Int) -> Bool { Int(raw.flags) & bit != 0 }
        text = string(raw.text_offset, raw.text_length)
        box = PageText.Box(x0: raw.x_min, y0: raw.y_min, x1: raw.x_max, y1: raw.y_max)
        fontSize = raw.font_size
        block = Int(raw.block)
        line = Int(raw.line)
        bold = flag(OCR_PDF_WORD_BOLD)
        italic = flag(OCR_PDF_WORD_ITALIC)
        spaceAfter = flag(OCR_PDF_WORD_SPACE_AFTER)
        hyphenated = flag(OCR_PDF_WORD_HYPHENATED)
        link = raw.uri_length > 0 ? string(raw.uri_offset, raw.uri_length) : nil
    }
}
