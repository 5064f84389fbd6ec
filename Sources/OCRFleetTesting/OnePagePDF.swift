import Foundation

extension Fixtures {
    /// A one-page PDF whose page is empty, with `page` as the rest of its page dictionary
    /// (its boxes: `/MediaBox [0 0 14400 14400]`), for tests of what a page's size may do.
    public static func onePagePDF(page: String) -> Data {
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R \(page) >>",
        ]
        var pdf = "%PDF-1.6\n"
        var offsets: [Int] = []
        for (number, body) in objects.enumerated() {
            offsets.append(pdf.utf8.count)
            pdf += "\(number + 1) 0 obj\n\(body)\nendobj\n"
        }
        let xref = pdf.utf8.count
        pdf += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { pdf += String(format: "%010d 00000 n \n", offset) }
        pdf += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(pdf.utf8)
    }
}
