import CTesseract
import Foundation
import OCRFleetDocuments
import OCRFleetModel
import Synchronization

/// Turns scanned pages upright and straight before any engine reads them: Tesseract's
/// orientation detection (`osd.traineddata`, Debian `tesseract-ocr-osd`) finds pages turned
/// by 90, 180 or 270 degrees, and Leptonica's deskew corrects small skew (within about ±7°).
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
        guard let dataPath = dataPath ?? TesseractEngine.defaultDataPath(), FileManager.default.fileExists(atPath: dataPath + "/osd.traineddata") else { return nil }
        self.dataPath = dataPath
    }

    /// The page upright and straight, and what it took. Pages where nothing is found (no
    /// text, low confidence) come back as they are. Blocking: call from a render thread.
    public func straighten(_ page: PageImage) -> (PageImage, Correction) {
        var correction = Correction(quarterTurns: 0, skew: 0)
        var current = page
        if let turns = quarterTurns(current), turns != 0,
            let rotated = pixRotateOrth(current.pix, Int32(turns)).flatMap(PageImage.init(taking:))
        {
            current = rotated
            correction.quarterTurns = turns
        }
        var angle: Float = 0
        var confidence: Float = 0
        if let deskewed = pixFindSkewAndDeskew(current.pix, 0, &angle, &confidence), abs(angle) >= 0.1,
            let straight = PageImage(taking: deskewed)
        {
            current = straight
            correction.skew = Double(angle)
        }
        return (current, correction)
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
