import Logging
import NIOPosix
import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetModel

/// PNG crops of the regions review items cite, for the reviewer to compare the value with
/// the page (docs/review.md#worker). A field item with a citation box gets its box widened by
/// a margin; a page item gets its whole page. The page is rendered by the document's own
/// `DocumentPages`: in this process, or, with document isolation, by the document's child
/// process through its existing `render` request, so the worker never opens the source itself;
/// only cropping and encoding the bitmap happen here, on the render threads. Each page is
/// rendered once for all its items. A crop is scaled down until its PNG fits in
/// `maxBytes`. A box that is hostile (negative, huge, off the page) is cut to the page or gives
/// no crop; a page that cannot be rendered gives none either: an item without a crop is still
/// an item.
struct ReviewCrops: Sendable {
    /// The most a crop may take in the `ocr-review-crops` bucket.
    static let maxBytes = 512 * 1024
    /// A PDF page's resolution for crops: text at 10 points is about 20 pixels high.
    static let dpi = 150.0
    /// How far a crop reaches past its box on every side, as a share of the page's longer side.
    static let margin = 0.02

    let threads: NIOThreadPool

    /// The crops of `items` that have one, by item id.
    func crops(for items: [ReviewItem], in work: JobWork) async -> [String: [UInt8]] {
        guard case .paged(let document)? = work.document else { return [:] }
        var wanted: [Int: [(id: String, box: [Int]?)]] = [:]
        for item in items {
            switch item.kind {
            case .field:
                guard let citation = item.citation, let box = citation.box else { continue }
                wanted[citation.page, default: []].append((item.id, box))
            case .page:
                guard let page = item.page else { continue }
                wanted[page, default: []].append((item.id, nil))
            }
        }
        var crops: [String: [UInt8]] = [:]
        for (number, regions) in wanted.sorted(by: { $0.key < $1.key }) {
            guard let position = work.pageNumbers.firstIndex(of: number), work.pages.indices.contains(position) else { continue }
            let laidOut = work.pages[position]
            let image: PageImage
            do {
                image = try await document.render(
                    page: number - 1,
                    target: .dpi(Self.dpi),
                    gray: false,
                    straightener: nil,
                    knownScanned: nil
                )
            } catch {
                work.logger.warning("page not rendered for review crops", metadata: ["page": "\(number)", "error": "\(error)"])
                continue
            }
            let made: Result<[(String, [UInt8])], OCRError>
            do {
                made = try await threads.runIfActive {
                    Result { () throws(OCRError) in
                        var pngs: [(String, [UInt8])] = []
                        for region in regions {
                            let box = region.box ?? [0, 0, laidOut.width, laidOut.height]
                            let margin = region.box == nil ? 0 : Self.margin
                            let png = try Self.crop(image, box: box, unitWidth: laidOut.width, unitHeight: laidOut.height, margin: margin)
                            if let png { pngs.append((region.id, png)) }
                        }
                        return pngs
                    }
                }
            } catch {
                return crops
            }
            switch made {
            case .success(let pngs):
                for (id, png) in pngs { crops[id] = png }
            case .failure(let error):
                work.logger.warning("review crops not made", metadata: ["page": "\(number)", "error": "\(error)"])
            }
        }
        return crops
    }

    /// The PNG of `box` (in a `unitWidth` × `unitHeight` page's units) on `image`, widened by
    /// `margin` and at most `maxBytes`; nil when the box is not on the page.
    static func crop(
        _ image: PageImage,
        box: [Int],
        unitWidth: Int,
        unitHeight: Int,
        margin: Double
    ) throws(OCRError) -> [UInt8]? {
        guard
            let region = PageRegion.of(
                box: box,
                unitWidth: unitWidth,
                unitHeight: unitHeight,
                imageWidth: image.width,
                imageHeight: image.height,
                margin: margin
            )
        else { return nil }
        return try image.cropped(to: region).png(atMost: maxBytes)
    }
}
