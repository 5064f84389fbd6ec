import Foundation

extension Fixtures {
    /// A one-page PDF whose page is empty, with `page` as the rest of its page dictionary
    /// (its boxes: `/MediaBox [0 0 14400 14400]`), for tests of what a page's size may do.
    public static func onePagePDF(page: String) -> Data {
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R \(page) >>",
        ]
        return pdf(objects)
    }
}
