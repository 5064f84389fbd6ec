import Foundation

extension Fixtures {
    /// A two-page grant application. Page 1 is a filled AcroForm: labels in the page's text,
    /// values in widgets beside them: a text field whose appearance stream is stale, drawing
    /// nothing ("Agency:", as a form filled by a tool that sets values only), one whose
    /// appearance stream draws its value ("Award number:"), a checked and an
    /// unchecked check box before their labels, a combo box ("State:") and a text field under
    /// its label ("Project title") without appearance streams (viewers draw them from the
    /// value), and a hidden field whose value must not be written.
    /// Page 2 is the same form flattened: the values drawn as page text, no widgets.
    public static func filledFormPDF() -> Data {
        let labels = [
            "BT /F1 16 Tf 72 730 Td (Grant application) Tj ET",
            "BT /F1 11 Tf 72 680 Td (Agency:) Tj ET",
            "BT /F1 11 Tf 72 650 Td (Award number:) Tj ET",
            "BT /F1 11 Tf 92 620 Td (Renewal) Tj ET",
            "BT /F1 11 Tf 92 590 Td (Amended) Tj ET",
            "BT /F1 11 Tf 72 560 Td (State:) Tj ET",
            "BT /F1 11 Tf 72 520 Td (Project title) Tj ET",
        ]
        let flattened =
            labels + [
                "BT /F1 11 Tf 162 680 Td (National Science Foundation) Tj ET",
                "BT /F1 11 Tf 162 650 Td (DMS-1234567) Tj ET",
                "BT /F1 11 Tf 162 560 Td (Virginia) Tj ET",
                "BT /F1 11 Tf 72 496 Td (Coastal erosion survey) Tj ET",
            ]
        let widget = "/Type /Annot /Subtype /Widget /F 4 /P 3 0 R"
        let text = "/DA (/Helv 11 Tf 0 g)"
        let fields = (Array(5...10) + [16]).map { "\($0) 0 R" }.joined(separator: " ")
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [\(fields)] /DA (/Helv 0 Tf 0 g) "
                + "/DR << /Font << /Helv 12 0 R /ZaDb 13 0 R >> >> >> >>",
            "<< /Type /Pages /Kids [3 0 R 14 0 R] /Count 2 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 12 0 R >> >> "
                + "/Annots [\(fields)] >>",
            formStream(labels.joined(separator: "\n")),
            "<< \(widget) /FT /Tx /T (agency) /V (National Science Foundation) /Rect [160 674 420 692] \(text) "
                + "/AP << /N 17 0 R >> >>",
            "<< \(widget) /FT /Tx /T (award) /V (DMS-1234567) /Rect [160 644 420 662] \(text) /AP << /N 11 0 R >> >>",
            "<< \(widget) /FT /Btn /T (renewal) /V /Yes /AS /Yes /Rect [72 616 86 630] /MK << /CA (4) >> /DA (/ZaDb 0 Tf 0 g) >>",
            "<< \(widget) /FT /Btn /T (amended) /V /Off /AS /Off /Rect [72 586 86 600] /MK << /CA (4) >> /DA (/ZaDb 0 Tf 0 g) >>",
            "<< \(widget) /FT /Ch /Ff 131072 /T (state) /V (Virginia) /Opt [(Maryland) (Virginia) (Ohio)] "
                + "/Rect [160 554 300 572] \(text) >>",
            "<< \(widget) /FT /Tx /T (title) /V (Coastal erosion survey) /Rect [72 490 420 508] \(text) >>",
            formStream(
                "/Tx BMC BT /Helv 11 Tf 0 g 2 5 Td (DMS-1234567) Tj ET EMC",
                dictionary: "/Type /XObject /Subtype /Form /BBox [0 0 260 18] /Resources << /Font << /Helv 12 0 R >> >>"
            ),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /ZapfDingbats >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 15 0 R /Resources << /Font << /F1 12 0 R >> >> >>",
            formStream(flattened.joined(separator: "\n")),
            "<< /Type /Annot /Subtype /Widget /F 6 /P 3 0 R /FT /Tx /T (reviewer) /V (not for the applicant) "
                + "/Rect [300 730 500 748] \(text) >>",
            formStream("", dictionary: "/Type /XObject /Subtype /Form /BBox [0 0 260 18]"),
        ]
        return pdf(objects)
    }

    private static func formStream(_ content: String, dictionary: String = "") -> String {
        "<< \(dictionary) /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream"
    }
}
