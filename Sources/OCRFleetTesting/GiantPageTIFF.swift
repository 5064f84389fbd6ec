import CTesseract

extension Fixtures {
    /// Writes a two-page G4 TIFF to `path`: a 200×100 first page and a blank `side`×`side`
    /// second page, a few kilobytes on disk however large the second page claims to be.
    public static func writeTIFFWithGiantSecondPage(to path: String, side: Int32) throws {
        var small = pixCreate(200, 100, 1)
        var giant = pixCreate(side, side, 1)
        defer {
            pixDestroy(&small)
            pixDestroy(&giant)
        }
        guard pixWriteTiff(path, small, Int32(IFF_TIFF_G4), "w") == 0,
            pixWriteTiff(path, giant, Int32(IFF_TIFF_G4), "a") == 0
        else { throw TestEnvironmentError("Leptonica cannot write the TIFF") }
    }
}
