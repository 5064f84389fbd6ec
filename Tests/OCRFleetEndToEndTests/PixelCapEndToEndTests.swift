import CTesseract
import Foundation
import OCRFleetAPI
import OCRFleetModel
import OCRFleetTesting
import Testing

/// Pages over the pixel limit, made small on disk, through the fleet: each job ends as
/// `source_too_large` saying which page and how large, while the same worker completes the
/// jobs submitted beside and after them.
@Suite(.serialized) struct PixelCapEndToEndTests {
    /// A two-page G4 TIFF: a small first page and a blank 23000×23000 second page.
    static func tiffWithGiantSecondPage(at path: String) throws {
        try Fixtures.writeTIFFWithGiantSecondPage(to: path, side: 23000)
    }

    /// A one-page PDF whose empty page is 200 × 200 inches.
    static func pdfWithGiantMediaBox(at path: String) throws {
        try Fixtures.onePagePDF(page: "/MediaBox [0 0 14400 14400]").write(to: URL(fileURLWithPath: path))
    }

    /// A progressive JPEG of the invoice whose frame header claims 20000×20000 pixels.
    static func jpegWithLyingHeader(at path: String) throws {
        var pix = pixRead(Fixtures.path("invoice.png"))
        defer { pixDestroy(&pix) }
        guard pixWriteJpeg(path, pix, 75, 1) == 0 else { throw TestEnvironmentError("Leptonica cannot write JPEG") }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard let frame = (0..<bytes.count - 1).first(where: { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC2 }) else {
            throw TestEnvironmentError("no progressive frame header")
        }
        bytes.replaceSubrange((frame + 5)..<(frame + 9), with: [0x4E, 0x20, 0x4E, 0x20])
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func oversizedPagesFailClearlyBesideJobsThatComplete() async throws {
        let directory = NSTemporaryDirectory() + "pixel-caps-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bombs: [(file: String, make: (String) throws -> Void, message: String)] = [
            (
                "giant-second-page.tif", Self.tiffWithGiantSecondPage,
                "page 2 of the TIFF is 23000×23000 pixels, over the 120000000-pixel limit"
            ),
            (
                "giant-media-box.pdf", Self.pdfWithGiantMediaBox,
                "page 1 is 14400×14400 points: at 300 DPI that is 60000×60000 pixels, over the 1000000000-pixel limit of a page"
            ),
            ("lying-header.jpg", Self.jpegWithLyingHeader, "the image is 20000×20000 pixels, over the 120000000-pixel limit"),
        ]
        for bomb in bombs { try bomb.make("\(directory)/\(bomb.file)") }
        try await withFleet(workerEnvironment: ["OCR_MAX_DELIVER": "1", "OCR_MAX_JOBS": "4", "OCR_ENGINE": "tesseract"]) {
            fleet in
            for (index, bomb) in bombs.enumerated() {
                try await fleet.submit(file: "\(directory)/\(bomb.file)", jobID: "bomb-\(index)", options: .init(mode: .ocr))
            }
            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "beside-the-bombs")
            for (index, bomb) in bombs.enumerated() {
                let state = try await fleet.waitForTerminalState("bomb-\(index)")
                #expect(state.state == .failed && state.error?.code == .sourceTooLarge, "\(bomb.file)")
                #expect(state.error?.message.contains(bomb.message) == true, "\(bomb.file): \(state.error?.message ?? "")")
            }
            #expect(try await fleet.waitForTerminalState("beside-the-bombs").state == .completed)
            try await fleet.submit(file: Fixtures.path("pages-3p.tif"), jobID: "after-the-bombs")
            #expect(try await fleet.waitForTerminalState("after-the-bombs").state == .completed)
        }
    }
}
