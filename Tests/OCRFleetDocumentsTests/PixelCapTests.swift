import CTesseract
import Foundation
import OCRFleetDocuments
import OCRFleetModel
import OCRFleetTesting
import Testing

/// Every page's pixels are checked from what its file declares, before anything is decoded
/// or drawn: over the limit is `source_too_large`, never a decode that runs the worker out
/// of memory.
@Suite struct PixelCapTests {
    let limits = DocumentLimits()

    static func temporary(_ name: String) -> String {
        NSTemporaryDirectory() + "pixel-cap-\(UUID().uuidString.prefix(8))-\(name)"
    }

    static func refusal(_ body: () throws -> Void) -> OCRError? {
        do {
            try body()
            return nil
        } catch {
            return error as? OCRError
        }
    }

    /// A two-page G4 TIFF: a 200×100 first page and a blank `side`×`side` second page.
    static func tiffWithGiantSecondPage(side: Int32) throws -> String {
        let path = temporary("giant-second-page.tif")
        try Fixtures.writeTIFFWithGiantSecondPage(to: path, side: side)
        return path
    }

    @Test func aTIFFsGiantSecondPageIsRefusedFromItsDirectory() throws {
        let path = try Self.tiffWithGiantSecondPage(side: 23000)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(size < 1 << 20, "compressed, the 529-megapixel page is small on disk")
        let (format, document) = try PagedDocument.open(path: path, password: nil, limits: limits)
        #expect(format == .tiff && document.pageCount == 2)
        let first = try document.render(page: 0, dpi: 300, limits: limits)
        #expect(first.width == 200 && first.height == 100)
        let error = Self.refusal { _ = try document.render(page: 1, dpi: 300, limits: limits) }
        #expect(error?.code == .sourceTooLarge)
        #expect(error?.message == "page 2 of the TIFF is 23000×23000 pixels, over the 120000000-pixel limit")
    }

    func render(pdfPage page: String, dpi: Double) throws -> PageImage {
        let path = Self.temporary("page.pdf")
        try Fixtures.onePagePDF(page: page).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (_, document) = try PagedDocument.open(path: path, password: nil, limits: limits)
        return try document.render(page: 0, dpi: dpi, limits: limits)
    }

    @Test func aPDFPageWithAGiantMediaBoxIsRefusedBeforeItIsDrawn() throws {
        let error = Self.refusal { _ = try render(pdfPage: "/MediaBox [0 0 14400 14400]", dpi: 300) }
        #expect(error?.code == .sourceTooLarge)
        #expect(
            error?.message
                == "page 1 is 14400×14400 points: at 300 DPI that is 60000×60000 pixels, over the 1000000000-pixel limit of a page"
        )
    }

    @Test func aPDFPageIsMeasuredAsItIsDrawn() throws {
        // The crop box is what poppler draws, however large the media box around it.
        let cropped = try render(pdfPage: "/MediaBox [0 0 14400 14400] /CropBox [0 0 612 792]", dpi: 300)
        #expect(cropped.width == 2550 && cropped.height == 3300)
        // poppler ignores /UserUnit, so a page that claims to be 1000 times larger is not.
        let units = try render(pdfPage: "/MediaBox [0 0 612 792] /UserUnit 1000", dpi: 300)
        #expect(units.width == 2550 && units.height == 3300)
    }

    @Test func aGIFFrameLargerThanItsScreenIsRefusedWithoutDecoding() throws {
        // A 10×10 logical screen whose only frame claims 30000×30000, with no pixel data.
        var gif = Array("GIF89a".utf8) + [10, 0, 10, 0, 0x80, 0, 0] + [0, 0, 0, 255, 255, 255]
        gif += [0x2C, 0, 0, 0, 0] + [0x30, 0x75, 0x30, 0x75, 0] + [2, 2, 0x4C, 0x01, 0] + [0x3B]
        let path = Self.temporary("lying.gif")
        try Data(gif).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = Self.refusal { _ = try PagedDocument.open(path: path, password: nil, limits: limits) }
        #expect(error?.code == .sourceTooLarge)
        #expect(error?.message == "the image is 30000×30000 pixels, over the 120000000-pixel limit")
    }

    @Test func everyFrameOfAGIFCountsForItIsDecoded() throws {
        let small = DocumentLimits(maxPagePixels: 1_000_000)
        func frame(_ side: Int) -> [UInt8] {
            [0x2C, 0, 0, 0, 0, UInt8(side & 0xFF), UInt8(side >> 8), UInt8(side & 0xFF), UInt8(side >> 8), 0]
                + [2, 2, 0x4C, 0x01, 0]
        }
        let header = Array("GIF89a".utf8) + [10, 0, 10, 0, 0x80, 0, 0] + [0, 0, 0, 255, 255, 255]
        let path = Self.temporary("frames.gif")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(header + frame(800) + frame(800) + [0x3B]).write(to: URL(fileURLWithPath: path))
        let error = Self.refusal { _ = try PagedDocument.open(path: path, password: nil, limits: small) }
        #expect(error?.code == .sourceTooLarge)
        #expect(error?.message == "the GIF's frames are 1280000 pixels in all, all decoded, over the 1000000-pixel limit")
        // One such frame is within the limit: it is opened (its missing data is found later).
        try Data(header + frame(800) + [0x3B]).write(to: URL(fileURLWithPath: path))
        #expect(Self.refusal { _ = try PagedDocument.open(path: path, password: nil, limits: small) } == nil)
    }

    @Test func aPictureInsideAnOfficeFileIsMeasuredTheSameWay() throws {
        // Leptonica would decode these whole to read their "headers".
        let frame: [UInt8] = [0x2C, 0, 0, 0, 0, 0x30, 0x75, 0x30, 0x75, 0, 2, 2, 0x4C, 0x01, 0]
        let gif = Array("GIF89a".utf8) + [10, 0, 10, 0, 0x80, 0, 0] + [0, 0, 0, 255, 255, 255] + frame + [0x3B]
        let size = EncodedPage.dimensions(of: gif)
        #expect(size?.width == 30000 && size?.height == 30000)
        #expect(PageImage(decoding: gif) == nil)
        let twoFrames = Array(gif.dropLast()) + frame + [0x3B]
        #expect(PageImage(decoding: twoFrames, maxPixels: 1_000_000_000) == nil, "1.8 gigapixels in all")
    }

    @Test func aBMPIsMeasuredFromItsHeaderNotByDecodingIt() throws {
        // An info header claiming 40000×-40000 (top-down) at 24 bits, and no pixels.
        var bmp = Array("BM".utf8) + [UInt8](repeating: 0, count: 12)
        bmp += [40, 0, 0, 0] + [0x40, 0x9C, 0, 0] + [0xC0, 0x63, 0xFF, 0xFF] + [1, 0, 24, 0] + [UInt8](repeating: 0, count: 24)
        let path = Self.temporary("lying.bmp")
        try Data(bmp).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = Self.refusal { _ = try PagedDocument.open(path: path, password: nil, limits: limits) }
        #expect(error?.code == .sourceTooLarge)
        #expect(error?.message == "the image is 40000×40000 pixels, over the 120000000-pixel limit")
    }

    @Test func aProgressiveJPEGIsShrunkOnlyWithinTheLimit() throws {
        let path = Self.temporary("progressive.jpg")
        var pix = pixRead(Fixtures.path("invoice.png"))
        defer { pixDestroy(&pix) }
        #expect(pixWriteJpeg(path, pix, 75, 1) == 0)
        defer { try? FileManager.default.removeItem(atPath: path) }
        // A baseline JPEG this size would be decoded at 1/8; a progressive one keeps every
        // coefficient of the 400-megapixel frame whatever the scale.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let frame = try #require((0..<bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC2 })
        bytes.replaceSubrange((frame + 5)..<(frame + 9), with: [0x4E, 0x20, 0x4E, 0x20])
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = Self.refusal { _ = try PagedDocument.open(path: path, password: nil, limits: limits) }
        #expect(error?.code == .sourceTooLarge)
        #expect(error?.message == "the image is 20000×20000 pixels, over the 120000000-pixel limit")
        // Within the limit it is read as before.
        #expect(pixWriteJpeg(path, pix, 75, 1) == 0)
        let (_, document) = try PagedDocument.open(path: path, password: nil, limits: limits)
        let page = try document.render(page: 0, target: .dpi(300), gray: true, limits: limits)
        #expect(page.width == 1700 && page.height == 2200)
    }
}
