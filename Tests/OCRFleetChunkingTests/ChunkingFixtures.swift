import OCRFleetMarkdown
import OCRFleetModel

@testable import OCRFleetChunking

/// Chunks of `pages` with the given options; the options are valid in every test.
func chunk(_ pages: [ChunkingPage], _ strategy: ChunkingOptions.Strategy, size: Int, overlap: Int = 0) throws -> [Chunk] {
    try Chunker(ChunkingOptions(strategy: strategy, size: size, overlap: overlap)).chunks(pages)
}

/// Chunks of `pages` and the steps the chunker counted.
func chunkCountingWork(
    _ pages: [ChunkingPage],
    _ strategy: ChunkingOptions.Strategy,
    size: Int,
    overlap: Int = 0
) throws -> (chunks: [Chunk], work: Int) {
    var work = 0
    let chunks = try Chunker(ChunkingOptions(strategy: strategy, size: size, overlap: overlap)).chunks(pages, work: &work)
    return (chunks, work)
}

/// The markdown the worker assembles of `pages` (docs/output.md), which the ranges point into.
func assembled(_ pages: [ChunkingPage]) -> String {
    AssembledMarkdown.assemble(pages: pages.map(\.markdown), numbers: pages.map(\.number))
}

let report = """
    # Report

    Fleet report for the year.

    ## 1. Scope

    All depots.

    ## 2. Methods

    We counted every truck. We weighed every load.

    ### 2.1 Setup

    Scales were calibrated.

    # Appendix

    Raw tables follow.
    """
