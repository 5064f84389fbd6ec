import OCRFleetModel
import OCRFleetXML

/// The number format of each cell style (`cellXfs`) in an XLSX's `xl/styles.xml`: the
/// workbook's own codes (`numFmts`) over Excel's built-in ones.
struct WorkbookStyles {
    private var formats: [NumberFormat] = []

    static let part = "xl/styles.xml"

    /// Excel's built-in formats as en-US shows them, except the two that follow the reader's
    /// locale (14, the short date, and 22, date and time), which are written as ISO 8601:
    /// `3/2/2026` reads as a different day in half the world. 27–36 and 50–58, the East Asian
    /// dates, likewise.
    static let builtIn: [Int: String] = {
        var codes: [Int: String] = [
            0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00",
            5: "$#,##0_);($#,##0)", 6: "$#,##0_);[Red]($#,##0)", 7: "$#,##0.00_);($#,##0.00)",
            8: "$#,##0.00_);[Red]($#,##0.00)", 9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
            14: "yyyy-mm-dd", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM",
            20: "h:mm", 21: "h:mm:ss", 22: "yyyy-mm-dd hh:mm", 37: "#,##0_);(#,##0)", 38: "#,##0_);[Red](#,##0)",
            39: "#,##0.00_);(#,##0.00)", 40: "#,##0.00_);[Red](#,##0.00)",
            41: #"_(* #,##0_);_(* (#,##0);_(* "-"_);_(@_)"#,
            42: #"_("$"* #,##0_);_("$"* (#,##0);_("$"* "-"_);_(@_)"#,
            43: #"_(* #,##0.00_);_(* (#,##0.00);_(* "-"??_);_(@_)"#,
            44: #"_("$"* #,##0.00_);_("$"* (#,##0.00);_("$"* "-"??_);_(@_)"#,
            45: "mm:ss", 46: "[h]:mm:ss", 47: "mm:ss.0", 48: "##0.0E+0", 49: "@",
        ]
        for id in Array(27...36) + Array(50...58) { codes[id] = "yyyy-mm-dd" }
        return codes
    }()

    init(archive: ZipArchive) throws(OCRError) {
        guard let bytes = try archive.read(Self.part) else { return }
        let reader = try XMLReader(bytes, part: Self.part)
        var codes = Self.builtIn
        var parsed: [Int: NumberFormat] = [:]
        var inCellFormats = false
        while let node = try reader.next() {
            switch node {
            case .start("numFmt"):
                if let id = reader.attribute("numFmtId").flatMap({ Int($0) }), let code = reader.attribute("formatCode") {
                    codes[id] = code
                }
            case .start("cellXfs"): inCellFormats = true
            case .end("cellXfs"): inCellFormats = false
            case .start("xf") where inCellFormats:
                let id = reader.attribute("numFmtId").flatMap { Int($0) } ?? 0
                if parsed[id] == nil { parsed[id] = codes[id].map(NumberFormat.init(code:)) ?? .general }
                formats.append(parsed[id] ?? .general)
            default:
                continue
            }
        }
    }

    /// The format of style `index` (a cell's `s`); General for a style the workbook lacks.
    func format(ofStyle index: Int) -> NumberFormat {
        formats.indices.contains(index) ? formats[index] : .general
    }
}
