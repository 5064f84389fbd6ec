import OCRFleetDocuments
import OCRFleetModel
import OCRFleetTesting
import Testing

/// Crops of a page region for review items: a box in the layout's units mapped onto a rendered
/// page, widened, cut to the page, and encoded as a PNG that fits its bound.
@Suite struct PageCropTests {
    @Test func aBoxIsMappedWidenedAndCutToThePage() {
        // A 612 × 792-point page rendered at 2 pixels a point.
        func region(_ box: [Int], margin: Double = 0) -> PageRegion? {
            PageRegion.of(box: box, unitWidth: 612, unitHeight: 792, imageWidth: 1224, imageHeight: 1584, margin: margin)
        }
        #expect(region([100, 200, 150, 220]) == PageRegion(x: 200, y: 400, width: 100, height: 40))
        // 1 % of the longer side (1584) is 15.84 pixels each way, rounded outwards.
        #expect(region([100, 200, 150, 220], margin: 0.01) == PageRegion(x: 184, y: 384, width: 132, height: 72))
        // Corners in any order.
        #expect(region([150, 220, 100, 200]) == PageRegion(x: 200, y: 400, width: 100, height: 40))
        // Reaching past the page: cut to it.
        #expect(region([-50, -50, 10, 10]) == PageRegion(x: 0, y: 0, width: 20, height: 20))
        #expect(region([600, 780, Int.max, Int.max]) == PageRegion(x: 1200, y: 1560, width: 24, height: 24))
        #expect(region([Int.min, Int.min, Int.max, Int.max]) == PageRegion(x: 0, y: 0, width: 1224, height: 1584))
    }

    @Test func aBoxOffThePageOrMalformedHasNoRegion() {
        func region(_ box: [Int], unitWidth: Int = 612, imageWidth: Int = 1224) -> PageRegion? {
            PageRegion.of(box: box, unitWidth: unitWidth, unitHeight: 792, imageWidth: imageWidth, imageHeight: 1584, margin: 0.02)
        }
        #expect(region([-100, 10, -20, 30]) == nil, "left of the page, however wide the margin")
        #expect(region([700, 10, 800, 30]) == nil)
        #expect(region([10, 900, 20, 1000]) == nil)
        #expect(region([10, 10, 20]) == nil)
        #expect(region([10, 10, 20, 30], unitWidth: 0) == nil)
        #expect(region([10, 10, 20, 30], imageWidth: 0) == nil)
    }

    @Test func aCropOfARenderedPageIsAPNGWithinItsBound() throws {
        let pdf = try PDFDocument(path: Fixtures.path("analysis/invoice-a.pdf"), password: nil)
        let page = try pdf.render(page: 0, dpi: 150, gray: false, maxPixels: 40_000_000, maxSourcePixels: 40_000_000)
        let size = try pdf.pageSize(0)
        let region = try #require(
            PageRegion.of(
                box: [50, 50, 300, 100],
                unitWidth: Int(size.width),
                unitHeight: Int(size.height),
                imageWidth: page.width,
                imageHeight: page.height,
                margin: 0
            )
        )
        let crop = try page.cropped(to: region)
        #expect(crop.width == region.width && crop.height == region.height)
        let png = try #require(try crop.png(atMost: 512 * 1024))
        #expect(png.count <= 512 * 1024 && EncodedPage.dimensions(of: png).map { [$0.width, $0.height] } == [crop.width, crop.height])
        // A bound the crop does not fit as it is: scaled down until it does.
        let whole = try #require(try page.png(atMost: 20_000))
        let scaled = try #require(EncodedPage.dimensions(of: whole))
        #expect(whole.count <= 20_000 && scaled.width < page.width && scaled.width > 16, "\(scaled)")
        // A region off the bitmap is refused, not read past.
        #expect(throws: OCRError.self) { try page.cropped(to: PageRegion(x: page.width - 5, y: 0, width: 10, height: 10)) }
        #expect(try page.png(atMost: 10) == nil, "not even a 16-pixel image fits in 10 bytes")
    }
}
