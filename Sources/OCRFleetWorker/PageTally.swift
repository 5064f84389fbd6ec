import OCRFleetEngines

/// What a document's pages have come to so far in `PageRecognizer.run`: each page in its
/// slot (the order the job asks for), the page numbers to list, and how many are done.
struct PageTally {
    var pages: [RecognizedPage]
    var failed: [Int] = []
    var incomplete: [Int] = []
    /// Pages flagged for their low confidence.
    var doubtful: [Int] = []
    /// Pages written from their text layer, without the engine.
    var textPages = 0
    var done = 0

    init(count: Int) {
        pages = [RecognizedPage](repeating: RecognizedPage(markdown: ""), count: count)
    }

    /// Puts `page` in its slot and returns how many pages are done.
    mutating func finish(_ slot: Int, _ page: RecognizedPage) -> Int {
        pages[slot] = page
        done += 1
        return done
    }

    var outcome: PageRecognizer.Outcome {
        PageRecognizer.Outcome(
            pages: pages,
            failedPages: failed.sorted(),
            incompletePages: incomplete.sorted(),
            textPages: textPages,
            lowConfidencePages: doubtful.sorted()
        )
    }
}
