import CTesseract
import Foundation
import OCRFleetDocuments
import OCRFleetModel
import Synchronization

/// Turns scanned pages upright and straight before any engine reads them: Tesseract's
/// orientation detection (`osd.traineddata`, Debian `tesseract-ocr-osd`) finds pages turned
/// by 90, 180 or 270 degrees, and Leptonica's skew search (within about ±7°) finds skew,
/// undone by a shear rotation.
public final class PageStraightener: Sendable {
    /// What was done to a page.
    public struct Correction: Sendable, Equatable {
        /// Clockwise quarter turns applied.
        public var quarterTurns: Int
        /// Skew angle corrected, in degrees.
        public var skew: Double
    }

    private let dataPath: String
    private let handles = Mutex<[OrientationHandle]>([])

    /// Below this confidence Tesseract's orientation guess is left alone (upright pages score
    /// about 4 or more for their true orientation; text-poor pages much less).
    static let minimumConfidence: Float = 1.5

    /// nil when the orientation data is not installed.
    public init?(dataPath: String? = nil) {
        guard let dataPath = dataPath ?? TesseractEngine.defaultDataPath(), FileManager.default.fileExists(atPath: dataPath + "/osd.traineddata")
        else { return nil }
        self.dataPath = dataPath
    }

    /// Orientation and skew are read from a copy whose longest side is at most this many
    /// pixels (about 150 DPI for a letter page). At half that, a page turned by 90° was no
    /// longer recognised with confidence; nearly all the cost is Tesseract's classifier,
    /// which the copy's size barely changes.
    static let analysisSide = 1600
    /// Smaller skew is left alone: it does not hurt recognition, and rotating costs.
    static let minimumSkew: Float = 0.3

    /// The page upright and straight, and what it took. Pages where nothing is found (no
    /// text, low confidence) come back as they are. Blocking: call from a render thread.
    public func straighten(_ page: PageImage) -> (PageImage, Correction) {
        var correction = Correction(quarterTurns: 0, skew: 0)
        guard let analysis = Self.analysisCopy(of: page) else { return (page, correction) }
        var upright = analysis
        if let turns = quarterTurns(analysis), turns != 0, let turned = pixRotateOrth(analysis.pix, Int32(turns)),
            let turnedCopy = PageImage(taking: turned)
        {
            correction.quarterTurns = turns
            upright = turnedCopy
        }
        var angle: Float = 0
        var confidence: Float = 0
        var binary = pixConvertTo1(upright.pix, 130)
        if let found = binary, pixFindSkew(found, &angle, &confidence) == 0, confidence >= 3,
            abs(angle) >= Self.minimumSkew
        {
            correction.skew = Double(angle)
        }
        pixDestroy(&binary)
        guard correction != Correction(quarterTurns: 0, skew: 0) else { return (page, correction) }
        var current = page
        if correction.quarterTurns != 0,
            let rotated = pixRotateOrth(current.pix, Int32(correction.quarterTurns)).flatMap(PageImage.init(taking:))
        {
            current = rotated
        }
        if correction.skew != 0,
            let straight = pixRotate(
                current.pix,
                Float(correction.skew) * .pi / 180,
                Int32(L_ROTATE_SHEAR),
                Int32(L_BRING_IN_WHITE),
                0,
                0
            ).flatMap(PageImage.init(taking:))
        {
            current = straight
        }
        return (current, correction)
    }

    /// The page scaled down to at most `analysisSide` pixels, 8 bits (or colour) deep.
    static func analysisCopy(of page: PageImage) -> PageImage? {
        let longest = max(page.width, page.height)
        let factor = longest > analysisSide ? Float(analysisSide) / Float(longest) : 1
        let copy: UnsafeMutablePointer<PIX>?
        if pixGetDepth(page.pix) == 1 {
            copy = factor < 1 ? pixScaleToGray(page.pix, factor) : pixConvertTo8(page.pix, 0)
        } else {
            copy = factor < 1 ? pixScale(page.pix, factor, factor) : pixClone(page.pix)
        }
        guard let copy else { return nil }
        let resolution = Int32(Float(page.resolution) * factor)
        if resolution > 0 { pixSetResolution(copy, resolution, resolution) }
        return PageImage(taking: copy)
    }

    /// Clockwise quarter turns that bring the page upright, when Tesseract is sure enough.
    func quarterTurns(_ page: PageImage) -> Int? {
        let handle = handles.withLock { $0.popLast() } ?? OrientationHandle(dataPath: dataPath)
        defer { if let handle { handles.withLock { $0.append(handle) } } }
        guard let handle else { return nil }
        return handle.detect(page)
    }
}

/// A Tesseract handle loaded with the orientation data.
///
/// `@unchecked Sendable`: a handle is used by one render thread at a time, handed over
/// through the straightener's mutex.
final class OrientationHandle: @unchecked Sendable {
    private let api: OpaquePointer

    init?(dataPath: String) {
        guard let api = TessBaseAPICreate() else { return nil }
        guard TessBaseAPIInit3(api, dataPath, "osd") == 0 else {
            TessBaseAPIDelete(api)
            return nil
        }
        TessBaseAPISetPageSegMode(api, PSM_OSD_ONLY)
        self.api = api
    }

    deinit {
        TessBaseAPIEnd(api)
        TessBaseAPIDelete(api)
    }

    /// Tesseract reports the page's orientation as the angle it is turned by, counter-clockwise;
    /// the clockwise quarter turns that undo it are the rest of a full turn.
    func detect(_ page: PageImage) -> Int? {
        TessBaseAPISetImage2(api, page.pix)
        if page.resolution >= 70 { TessBaseAPISetSourceResolution(api, Int32(page.resolution)) }
        defer { TessBaseAPIClear(api) }
        var degrees: Int32 = 0
        var confidence: Float = 0
        var script: UnsafePointer<CChar>?
        var scriptConfidence: Float = 0
        guard TessBaseAPIDetectOrientationScript(api, &degrees, &confidence, &script, &scriptConfidence) != 0,
            confidence >= PageStraightener.minimumConfidence
        else { return nil }
        return (4 - Int(degrees / 90) % 4) % 4
    }
}
