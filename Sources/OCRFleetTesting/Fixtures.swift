import Foundation

/// The committed fixtures in `fixtures/` and their ground truth.
public enum Fixtures {
    public static let directory: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("fixtures").path
    }()

    public static func path(_ name: String) -> String { "\(directory)/\(name)" }

    /// Per fixture, the text of each page.
    public static let truth: [String: [String]] = {
        guard let data = FileManager.default.contents(atPath: path("truth.json")),
            let truth = try? JSONDecoder().decode([String: [String]].self, from: data)
        else { return [:] }
        return truth
    }()

    /// Lower-cased words, so OCR output compares with ground truth whatever the layout.
    public static func words(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }

    /// Splits assembled markdown into its pages' text, dropping page comments and separators.
    public static func pages(of markdown: String) -> [String] {
        markdown.components(separatedBy: "\n\n---\n\n").map { page in
            page.split(separator: "\n").filter { !$0.hasPrefix("<!-- page ") }.joined(separator: "\n")
        }
    }

    /// Share of the page's true words found in the recognised page, in multiset terms.
    public static func recall(truth: String, recognised: String) -> Double {
        var counts: [String: Int] = [:]
        for word in words(recognised) { counts[word, default: 0] += 1 }
        let expected = words(truth)
        let found = expected.filter { word in
            guard let count = counts[word], count > 0 else { return false }
            counts[word] = count - 1
            return true
        }
        return Double(found.count) / Double(max(expected.count, 1))
    }

    /// Character error rate of `recognised` against `truth`: edit distance over the length
    /// of the truth, both taken as their words (letters and digits, lower-cased) joined by
    /// single spaces, so markdown markup and line breaks do not count as errors.
    public static func characterErrorRate(truth: String, recognised: String) -> Double {
        let withoutLinks = recognised.replacingOccurrences(of: #"\]\([^)]*\)"#, with: "", options: .regularExpression)
        let expected = Array(words(truth).joined(separator: " ").unicodeScalars)
        let actual = Array(words(withoutLinks).joined(separator: " ").unicodeScalars)
        guard !expected.isEmpty else { return actual.isEmpty ? 0 : 1 }
        var previous = Array(0...actual.count)
        var current = [Int](repeating: 0, count: actual.count + 1)
        for i in 1...expected.count {
            current[0] = i
            for j in stride(from: 1, through: actual.count, by: 1) {
                let substitution = previous[j - 1] + (expected[i - 1] == actual[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return Double(previous[actual.count]) / Double(expected.count)
    }

    /// The lists of `office/handbook.docx` as markdown, whichever way the document is read.
    public static let handbookLists = """
        - Check the tyres
          - Front tyres
          - Rear tyres
        - Check the lights
        1. Start the engine
        2. Read the dashboard
        """

    /// What `measures.xlsx`, and the XLS and ODS LibreOffice wrote of `measures.fods`, show.
    public static let measuresSheets = [
        """
        ## Stock

        | Item | Weight | Price | Share | Checked | Delivered | At | Note |
        | --- | --- | --- | --- | --- | --- | --- | --- |
        | Flour | 4.4 | 1,234.50 | 12.5% | TRUE | 2 March 2026 | 08:30 | Keep dry, store below 20 °C and away from the oven. |
        | Sugar | 27.3 | 98,765.00 | 50.0% | FALSE | 31 December 2026 | 17:45 | Order more before the holidays: the supplier closes on 23 December.[^1] |
        | Total | 117 | 99,999.50 | 62.5% |  |  |  |  |

        [^1]: Ask the supplier about the price.
        """,
        """
        ## Formats

        | Format | Value |
        | --- | --- |
        | Scientific | 1.23E+05 |
        | Fraction | 1 1/2 |
        | Sum | 0.3 |
        | Ratio | #DIV/0! |
        | Remarks | The scale was recalibrated on 1 March; weights before that date may read 0.2 kg high.<br>Second paragraph. |
        """,
    ]
}
