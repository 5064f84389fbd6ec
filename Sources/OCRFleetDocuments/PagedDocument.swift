import OCRFleetModel
import OCRFleetOffice

/// Limits applied while turning a document into pages.
public struct DocumentLimits: Sendable {
    public var maxPages: Int
    public var maxPagePixels: Int
    public var zip: ZipLimits

    /// Most pixels of a page before it is shrunk to `maxPagePixels`: a PDF page at the
    /// asked resolution, a PNG or JPEG as its header declares it. Past a gigapixel a page
    /// is a decompression bomb or a mistake; it is refused, not drawn smaller.
    public var maxSourcePixels: Int { Self.maxSourcePixels(pagePixels: maxPagePixels) }

    static func maxSourcePixels(pagePixels: Int) -> Int { max(pagePixels, 1_000_000_000) }

    public init(maxPages: Int = 2000, maxPagePixels: Int = 120_000_000, zip: ZipLimits = ZipLimits()) {
        self.maxPages = maxPages
        self.maxPagePixels = maxPagePixels
        self.zip = zip
    }
}

/// A document opened for rendering, whatever its format. Render pages from one task.
public enum PagedDocument {
    case pdf(PDFDocument)
    case image(ImageDocument)

    /// Opens the file at `path`, detecting its format from its bytes.
    public static func open(
        path: String,
        password: String?,
        limits: DocumentLimits
    ) throws(OCRError)
        -> (DocumentFormat, PagedDocument)
    {
        let format = try DocumentFormat.detect(fileAt: path, zipLimits: limits.zip)
        return (format, try open(path: path, format: format, password: password, limits: limits))
    }

    /// Opens the PDF or image at `path` whose format is known.
    public static func open(
        path: String,
        format: DocumentFormat,
        password: String?,
        limits: DocumentLimits
    )
        throws(OCRError) -> PagedDocument
    {
        guard format == .pdf || format.isImage else {
            throw OCRError(.internal, "a \(format.rawValue) document is not paged; convert it first")
        }
        NativeMessageLog.route()
        let document: PagedDocument =
            format == .pdf
            ? .pdf(try PDFDocument(path: path, password: password))
            : .image(try ImageDocument(path: path, format: format, maxPixels: limits.maxPagePixels))
        if document.pageCount == 0 {
            throw OCRError(.corruptDocument, "the document has no pages")
        }
        if document.pageCount > limits.maxPages {
            throw OCRError(
                .sourceTooLarge,
                "the document has \(document.pageCount) pages, over the \(limits.maxPages)-page limit"
            )
        }
        return document
    }

    public var pageCount: Int {
        switch self {
        case .pdf(let pdf): pdf.pageCount
        case .image(let image): image.pageCount
        }
    }

    /// Renders page `index` (0-based); PDFs at `dpi` in gray, images as decoded.
    public func render(page index: Int, dpi: Double, limits: DocumentLimits) throws(OCRError) -> PageImage {
        try render(page: index, target: .dpi(dpi), gray: true, limits: limits)
    }

    /// Renders page `index` (0-based) for `target`. PDFs are rasterised straight at the
    /// target size; PNG and JPEG images are decoded shrunk towards the target (never below it:
    /// DeepSeek scales them exactly when it encodes them), other images as they are.
    public func render(
        page index: Int,
        target: RenderTarget,
        gray: Bool,
        limits: DocumentLimits
    ) throws(OCRError)
        -> PageImage
    {
        switch self {
        case .pdf(let pdf):
            let dpi: Double
            switch target {
            case .dpi(let value):
                dpi = value
            case .longestSide(let pixels):
                let size = try pdf.pageSize(index)
                let longest = max(size.width, size.height)
                dpi = longest > 0 ? Double(pixels) * 72 / longest : 72
            }
            return try pdf.render(
                page: index,
                dpi: dpi,
                gray: gray,
                maxPixels: limits.maxPagePixels,
                maxSourcePixels: limits.maxSourcePixels
            )
        case .image(let image):
            return try image.render(page: index, maxPixels: limits.maxPagePixels, target: target)
        }
    }
}

/// The bitmap an engine wants: a resolution (Tesseract reads text best at about 300 DPI)
/// or a size in pixels (DeepSeek-OCR sees a fixed-size view whatever the DPI).
public enum RenderTarget: Sendable, Equatable, Codable {
    case dpi(Double)
    case longestSide(Int)
}
