import NIOPosix
import OCRFleetChunking
import OCRFleetEngines
import OCRFleetModel

/// Cuts the assembled pages into `chunks.jsonl` when the job asks for `options.chunk`. The
/// chunker reads the very page texts the markdown was assembled from, so its
/// `markdown_range` offsets slice the uploaded markdown. It runs on the worker's thread pool:
/// a long document's chunking is CPU work the cooperative pool must not wait on.
struct ChunkStage: JobStage {
    let threads: NIOThreadPool

    var name: String { "chunk" }
    var announcesStart: Bool { true }

    func applies(to work: JobWork) -> Bool { work.job.options.chunk != nil }

    func run(_ work: inout JobWork) async throws {
        guard let options = work.job.options.chunk else { return }
        let chunker = try Chunker(options)
        let pages = zip(work.pageNumbers, work.pages).map { number, page in
            ChunkingPage(
                number: number,
                markdown: page.markdown,
                width: page.width,
                height: page.height,
                blocks: page.blocks.map { ChunkingBlock(type: $0.type, box: $0.box, text: $0.text) }
            )
        }
        work.chunks = try await threads.runIfActive {
            let chunks = chunker.chunks(pages)
            return JobWork.Chunks(lines: ChunkLines.encode(chunks), count: chunks.count)
        }
    }
}
