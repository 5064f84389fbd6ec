import Foundation
import OCRFleetModel
import OCRFleetTesting
import Testing

@testable import OCRFleetOffice

/// Spreadsheets read as people see them in Excel or LibreOffice.
@Suite struct WorkbookDocumentTests {
    static func markdown(_ content: OfficeContent) -> [String] {
        content.pages.map { WordDocumentTests.markdown(OfficeContent(pages: [$0])) }
    }

    /// Written as Excel writes: `4.4000000000000004`, built-in format ids, rich text, an
    /// inline string, a comment.
    @Test func anExcelWorkbookShowsItsCellsInTheirFormats() throws {
        let archive = try ZipArchive(path: Fixtures.path("office/measures.xlsx"), limits: ZipLimits())
        #expect(Self.markdown(try WorkbookDocument(archive: archive).content()) == Fixtures.measuresSheets)
    }

    @Test(arguments: [OfficeFormat.xls, .ods])
    func legacyWorkbooksConvertedToXLSXKeepEveryCell(_ format: OfficeFormat) async throws {
        let sandbox = await OfficeSandbox.probe(mode: .required, launcher: BuiltExecutable.path("ocr-office-sandbox"))
        let converter = LibreOfficeConverter(timeLimit: .seconds(120), sandbox: sandbox)
        try #require(converter.executable != nil, "LibreOffice is installed (scripts/install-deps.sh)")
        let directory = try LibreOfficeSandboxTests.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = try LibreOfficeSandboxTests.source("office/measures.\(format.rawValue)", in: directory)
        let conversion = try await converter.convert(source, format: format, to: .xlsx, in: directory)
        let archive = try ZipArchive(path: conversion.output, limits: ZipLimits())
        #expect(Self.markdown(try WorkbookDocument(archive: archive).content()) == Fixtures.measuresSheets)
    }

    @Test func aWorkbookIsOnePagePerSheetWithDatesAndFormulaValues() throws {
        let archive = try ZipArchive(path: Fixtures.path("office/ledger.xlsx"), limits: ZipLimits())
        #expect(
            Self.markdown(try WorkbookDocument(archive: archive).content())
                == [
                    """
                    ## Deliveries

                    | Date | Depot | Parcels |
                    | --- | --- | --- |
                    | 2026-03-02 | Leeds | 120 |
                    | 2026-03-03 | Bristol | 95 |
                    | Total |  | 215 |
                    """,
                    """
                    ## Staff

                    | Name | Role |
                    | --- | --- |
                    | Ada | Driver |
                    | Grace | Planner |
                    """,
                ]
        )
    }

    @Test(arguments: [
        // General: 15 significant digits, as Excel keeps them.
        ("General", 4.4000000000000004, "4.4"), ("General", 27.299999999999997, "27.3"),
        ("General", 117.00000000000003, "117"), ("General", 0.30000000000000004, "0.3"), ("General", -1234.5, "-1234.5"),
        ("General", 123_456_789_012, "123456789012"), ("General", 1e20, "1E+20"), ("General", 1.5e-12, "1.5E-12"),
        ("General", 0, "0"), (#"General" kg""#, 4.4, "4.4 kg"), ("@", 5, "5"),
        // Places, thousands, scaling, percentages, literals, sections.
        ("0", 2.5, "3"), ("0.00", 2.675, "2.68"), ("#,##0.00", 1234.5, "1,234.50"), ("#,##0,", 1_234_567, "1,235"),
        ("#.00", 0.5, ".50"), ("000-0000", 1_234_567, "123-4567"), ("0.0%", 0.125, "12.5%"), ("0%", 0.625, "63%"),
        ("0.00;[Red]-0.00", -42, "-42.00"), ("#,##0_);(#,##0)", -1234, "(1,234)"), ("0;-0;;@", 0, ""),
        ("$#,##0.00_);($#,##0.00)", -5.5, "($5.50)"), ("[$€-407]#,##0.00", 3.5, "€3.50"),
        (#"_(* #,##0.00_);_(* (#,##0.00);_(* "-"??_);_(@_)"#, 0, "-"), (#"[>=100]"big";"small""#, 150, "big"),
        (#""TRUE";"TRUE";"FALSE""#, 0, "FALSE"),
        // Scientific notation and fractions.
        ("0.00E+00", 123_456, "1.23E+05"), ("##0.0E+0", 12_345, "12.3E+3"), ("0.00E+00", 0.000123, "1.23E-04"),
        ("# ?/?", 1.5, "1 1/2"), ("# ??/??", 3.14159, "3 14/99"), ("?/4", 0.3, "1/4"), ("# ?/?", 2, "2"),
        // Dates and times.
        (#"d\ mmmm\ yyyy"#, 46083, "2 March 2026"), ("yyyy-mm-dd hh:mm", 46083.75, "2026-03-02 18:00"),
        ("hh:mm", 0.35416666666666669, "08:30"), ("h:mm AM/PM", 0.75, "6:00 PM"), ("[h]:mm:ss", 1.5, "36:00:00"),
        ("mm:ss.0", 0.0001, "00:08.6"), ("dddd, mmmm d, yyyy", 46083, "Monday, March 2, 2026"),
        ("[$-F800]dddd, mmmm dd, yyyy", 46083, "Monday, March 2, 2026"), ("d-mmm-yy", 46083, "2-Mar-26"),
        ("yyyy-mm-dd", 60, "1900-02-29"), ("yyyy-mm-dd", 61, "1900-03-01"), ("yyyy-mm-dd", 1, "1900-01-01"),
    ])
    func numberFormatsShowWhatSpreadsheetsShow(_ code: String, _ value: Double, _ shown: String) {
        #expect(NumberFormat(code: code).text(for: value, dates1904: false) == shown, "\(code)")
    }

    /// A hostile workbook's formats and values show something, never trap, loop or multiply.
    @Test func hostileFormatsAndValuesShowSomethingBounded() {
        // Fractions of numbers too large for their parts, and denominators of many places.
        #expect(NumberFormat(code: "# ?/?").text(for: 1e19, dates1904: false) == "1E+19")
        #expect(NumberFormat(code: "?/2").text(for: 3e18, dates1904: false) == "3E+18")
        #expect(NumberFormat(code: "?/99999999999999999999").text(for: 0.5, dates1904: false) == "1/2")
        let places = String(repeating: "?", count: 30)
        #expect(NumberFormat(code: "# \(places)/\(places)").text(for: 0.25, dates1904: false) == "1/4")
        // A code longer than Excel takes is General.
        #expect(NumberFormat(code: String(repeating: "0", count: 100_000)).text(for: 4.5, dates1904: false) == "4.5")
        #expect(NumberFormat(code: "ss." + String(repeating: "0", count: 40)).text(for: 0.5, dates1904: false) == "00.000")
        // Dates no calendar has.
        for iso in ["9223372036854775807-01-01", "2026-9223372036854775807-01", "2026-13-01", "2026-01-32"] {
            #expect(SerialDate.serial(iso: iso, dates1904: false) == nil, "\(iso)")
        }
    }

    @Test func datesFollowBothCalendarsAndBuiltInFormats() {
        let date = NumberFormat(code: WorkbookStyles.builtIn[14] ?? "")
        #expect(date.isDate && date.text(for: 46083, dates1904: false) == "2026-03-02")
        #expect(date.text(for: 0, dates1904: true) == "1904-01-01")
        #expect(NumberFormat(code: WorkbookStyles.builtIn[22] ?? "").text(for: 46083.75, dates1904: false) == "2026-03-02 18:00")
        #expect(!NumberFormat.general.isDate && !NumberFormat(code: #""day" 0.00"#).isDate)
        // A `t="d"` cell's ISO 8601 value through the cell's format.
        let serial = SerialDate.serial(iso: "2026-03-02T18:00:00", dates1904: false)
        #expect(serial == 46083.75)
        #expect(
            WorkbookDocument.display("2026-03-02", type: "d", format: date, dates1904: false, strings: []) == "2026-03-02"
        )
    }
}
