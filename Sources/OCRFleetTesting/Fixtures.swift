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
}
