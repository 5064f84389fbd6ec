import Foundation

extension Fixtures {
    /// A valid one-page PDF whose page draws form XObject X0, which draws X1 twice, and so
    /// on `depth` levels down to a line of text: 2^depth draws, which poppler cannot be
    /// interrupted in (rendering or reading the text). A few kilobytes.
    public static func nestedFormPDF(depth: Int = 40) -> Data {
        let first = 5
        var objects = [
            "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /X0 \(first) 0 R >> >> "
                + "/Contents 4 0 R >>",
            stream("q /X0 Do Q"),
        ]
        let font = "/Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >>"
        for level in 0..<depth {
            let next = level + 1
            let form = "/Type /XObject /Subtype /Form /BBox [0 0 612 792]"
            objects.append(
                level == depth - 1
                    ? stream("BT /F1 12 Tf 72 720 Td (deep) Tj ET", dictionary: "\(form) /Resources << \(font) >>")
                    : stream(
                        "/X\(next) Do /X\(next) Do",
                        dictionary: "\(form) /Resources << /XObject << /X\(next) \(first + next) 0 R >> >>"
                    )
            )
        }
        return pdf(objects)
    }

    /// A valid one-page PDF carrying `marker` in a comment near its start (the document
    /// child's test abort marker, `DocumentChildServer.testAbortMarker`), its page a line of text.
    public static func markedPDF(_ marker: String) -> Data {
        pdf(
            [
                "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 << /Type /Font "
                    + "/Subtype /Type1 /BaseFont /Helvetica >> >> >> /Contents 4 0 R >>",
                stream("BT /F1 12 Tf 72 720 Td (A page of plain text for the child to read.) Tj ET"),
            ],
            comment: marker
        )
    }

    private static func stream(_ content: String, dictionary: String = "") -> String {
        "<< \(dictionary) /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream"
    }

    /// `objects` numbered from 1, the first the catalog, with a correct cross-reference table.
    static func pdf(_ objects: [String], comment: String? = nil) -> Data {
        var pdf = "%PDF-1.6\n" + (comment.map { "\($0)\n" } ?? "")
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
