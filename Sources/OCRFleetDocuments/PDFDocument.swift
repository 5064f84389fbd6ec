import CPoppler
import CTesseract
import OCRFleetModel

/// A PDF opened with poppler. Pages are rendered one at a time on demand, so a document's
/// bitmaps are never all in memory. Not thread-safe: render from one task.
public final class PDFDocument {
    let document: OpaquePointer
    public let pageCount: Int

    public init(path: String, password: String?) throws(OCRError) {
        var status = OCR_PDF_OK
        guard let document = ocr_pdf_open(path, password, &status) else {
            if status == OCR_PDF_ENCRYPTED {
                throw OCRError(
                    .encryptedDocument,
                    password == nil
                        ? "the PDF is encrypted and the job gives no options.password"
                        : "the PDF is encrypted and options.password does not open it"
                )
            }
            throw OCRError(.corruptDocument, "poppler cannot read the PDF")
        }
        self.document = document
        pageCount = Int(ocr_pdf_page_count(document))
    }

    deinit { ocr_pdf_close(document) }

    /// Page size in points (1/72 inch).
    public func pageSize(_ index: Int) throws(OCRError) -> (width: Double, height: Double) {
        var width = 0.0
        var height = 0.0
        guard ocr_pdf_page_size(document, Int32(index), &width, &height) == OCR_PDF_OK else {
            throw OCRError(.corruptDocument, "page \(index + 1) of the PDF cannot be read")
        }
        return (width, height)
    }

    /// Renders page `index` (0-based) at `dpi`, lowered if needed so the bitmap stays
    /// within `maxPixels`. A page that would be over `maxSourcePixels` at `dpi` is refused
    /// before anything is drawn: a giant page box is a bomb or a mistake, not a page. A gray
    /// page that is a plain scan at about that resolution is its image, decoded without
    /// drawing the page (poppler's drawing of it cost about a sixth of Tesseract's time on a
    /// 300 DPI scan).
    public func render(
        page index: Int,
        dpi: Double,
        gray: Bool,
        maxPixels: Int,
        maxSourcePixels: Int
    )
        throws(OCRError) -> PageImage
    {
        let size = try pageSize(index)
        let inches = (size.width / 72) * (size.height / 72)
        let pixels = inches * dpi * dpi
        // Written so that NaN and infinity are refused too.
        guard pixels <= Double(max(maxPixels, maxSourcePixels)) else {
            throw OCRError(
                .sourceTooLarge,
                "page \(index + 1) is \(Self.whole(size.width))×\(Self.whole(size.height)) points: at \(Self.whole(dpi)) DPI "
                    + "that is \(Self.pixels(size.width, dpi))×\(Self.pixels(size.height, dpi)) pixels, over the "
                    + "\(max(maxPixels, maxSourcePixels))-pixel limit of a page"
            )
        }
        var resolution = dpi
        if inches > 0, pixels > Double(maxPixels) {
            resolution = (Double(maxPixels) / inches).squareRoot().rounded(.down)
        }
        guard resolution >= 1 else {
            throw OCRError(.sourceTooLarge, "page \(index + 1) is too large to render")
        }
        var pix: UnsafeMutablePointer<PIX>?
        if gray, ocr_pdf_scan_image(document, Int32(index), resolution, Double(maxPixels), &pix) == OCR_PDF_OK, let scan = pix {
            if Int(pixGetWidth(scan)) * Int(pixGetHeight(scan)) > maxPixels {
                pixDestroy(&pix)
            } else if let image = PageImage(taking: scan) {
                return image
            }
        }
        pix = nil
        let status = ocr_pdf_render_page(document, Int32(index), resolution, gray ? 1 : 0, &pix)
        guard status == OCR_PDF_OK, let pix, let image = PageImage(taking: pix) else {
            throw OCRError(.corruptDocument, "page \(index + 1) of the PDF cannot be rendered")
        }
        return image
    }

    /// `value` as a whole number for a message; as it is when no Int holds it.
    private static func whole(_ value: Double) -> String {
        value.isFinite && abs(value) < 1e15 ? "\(Int(value.rounded()))" : "\(value)"
    }

    private static func pixels(_ points: Double, _ dpi: Double) -> String {
        whole(points / 72 * dpi)
    }
}
