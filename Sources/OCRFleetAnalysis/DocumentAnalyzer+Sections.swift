import OCRFleetModel

extension DocumentAnalyzer {
    static let maxTitleLength = 80

    /// Runs of consecutive pages with the same label, in page order, with their titles and
    /// their `[start, end)` in the uploaded markdown. A title is the section's first markdown
    /// heading, else its first line with text (at most 80 characters, cut at a word), else
    /// "label, pages a-b". Nothing when the classification failed or misses a page.
    public static func sections(_ pages: [AnalysisPage], classification: DocumentClassification) -> [DocumentSection] {
        guard classification.error == nil else { return [] }
        let labels = Dictionary(classification.pages.map { ($0.page, $0.label) }, uniquingKeysWith: { first, _ in first })
        var runs: [(label: String, pages: [AnalysisPage])] = []
        for page in pages {
            guard let label = labels[page.number] else { return [] }
            if let last = runs.last, last.label == label {
                runs[runs.count - 1].pages.append(page)
            } else {
                runs.append((label, [page]))
            }
        }
        return runs.map { run in
            let first = run.pages[0]
            let last = run.pages[run.pages.count - 1]
            return DocumentSection(
                title: title(of: run.pages, label: run.label),
                label: run.label,
                firstPage: first.number,
                lastPage: last.number,
                markdownRange: [first.markdownOffset, last.markdownOffset + last.markdown.unicodeScalars.count]
            )
        }
    }

    static func title(of pages: [AnalysisPage], label: String) -> String {
        let lines = pages.flatMap { $0.markdown.split(whereSeparator: \.isNewline) }
            .map { $0.trimmingWhitespace() }
            .filter { !$0.isEmpty }
        if let heading = lines.compactMap(headingText).first { return shortened(heading) }
        if let line = lines.first { return shortened(line) }
        let first = pages[0].number
        let last = pages[pages.count - 1].number
        return first == last ? "\(label), page \(first)" : "\(label), pages \(first)-\(last)"
    }

    /// The text of an ATX heading line (`## Title ##`), nil for any other line.
    static func headingText(_ line: Substring) -> Substring? {
        guard let match = line.wholeMatch(of: /#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?/) else { return nil }
        let text = match.1.trimmingWhitespace()
        return text.isEmpty ? nil : text
    }

    /// At most `maxTitleLength` characters, cut at the last word that fits.
    static func shortened(_ text: Substring) -> String {
        guard text.count > maxTitleLength else { return String(text) }
        let head = text.prefix(maxTitleLength + 1)
        if let space = head.lastIndex(where: \.isWhitespace), space > head.startIndex {
            return String(head[..<space].trimmingWhitespace())
        }
        return String(text.prefix(maxTitleLength))
    }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        guard let start = firstIndex(where: { !$0.isWhitespace }), let end = lastIndex(where: { !$0.isWhitespace }) else {
            return self[endIndex...]
        }
        return self[start...end]
    }
}
