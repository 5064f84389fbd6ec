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
}
