/// A job's markdown as the worker writes it (docs/output.md): each page opens with a
/// `<!-- page N -->` comment, a blank line before its text when it has any, pages joined by a
/// thematic break, a newline at the end. The chunker's `markdown_range` offsets count on this
/// same layout, so both read it from here.
public enum AssembledMarkdown {
    static let separator = "\n\n---\n\n"

    static func opening(page number: Int, empty: Bool) -> String {
        empty ? "<!-- page \(number) -->" : "<!-- page \(number) -->\n\n"
    }

    public static func assemble(pages: [String], numbers: [Int]) -> String {
        zip(numbers, pages).map { number, text in opening(page: number, empty: text.isEmpty) + text }
            .joined(separator: separator) + "\n"
    }

    /// Where each page's text starts in `assemble`'s markdown, in Unicode scalars, from the
    /// pages' numbers and their lengths in Unicode scalars.
    public static func pageOffsets(numbers: [Int], scalarCounts: [Int]) -> [Int] {
        var offsets: [Int] = []
        var position = 0
        for (index, (number, count)) in zip(numbers, scalarCounts).enumerated() {
            if index > 0 { position += separator.unicodeScalars.count }
            position += opening(page: number, empty: count == 0).unicodeScalars.count
            offsets.append(position)
            position += count
        }
        return offsets
    }
}
