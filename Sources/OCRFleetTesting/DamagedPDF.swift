import Foundation

extension Fixtures {
    /// A one-page PDF that poppler reads, but whose page's content carries `operators`
    /// unknown operators: each one a `Syntax Error` poppler would print on stderr, as damaged
    /// journal PDFs make it do by the hundred. The page's text is `text`.
    public static func damagedPDF(text: String = "Hello damaged world", operators: Int = 40) -> Data {
        let content = "BT /F1 24 Tf 72 700 Td (\(text)) Tj ET\n" + String(repeating: "1 2 bogus\n", count: operators)
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            "<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        return pdf(objects)
    }
}
