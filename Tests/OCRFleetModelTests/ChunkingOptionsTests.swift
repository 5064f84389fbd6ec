import Foundation
import OCRFleetModel
import Testing

@Suite struct ChunkingOptionsTests {
    func decode(_ json: String) throws -> ChunkingOptions {
        try JSONDecoder().decode(ChunkingOptions.self, from: Data(json.utf8))
    }

    @Test func absentFieldsTakeTheDefaults() throws {
        #expect(try decode("{}") == ChunkingOptions(strategy: .heading, size: 512, overlap: 64))
        #expect(try decode(#"{"strategy": "tokens", "size": 256, "overlap": 0}"#) == ChunkingOptions(strategy: .tokens, size: 256, overlap: 0))
        #expect(try decode(#"{"strategy": null, "size": 100}"#) == ChunkingOptions(strategy: .heading, size: 100, overlap: 64))
    }

    @Test func encodesWithTheContractsKeys() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(ChunkingOptions(strategy: .page, size: 300, overlap: 10)), as: UTF8.self)
        #expect(json == #"{"overlap":10,"size":300,"strategy":"page"}"#)
    }

    @Test func anUnknownStrategyIsRefused() {
        #expect(throws: DecodingError.self) { try decode(#"{"strategy": "sentences"}"#) }
    }

    @Test func valuesOutOfRangeAreInvalidJobsNamingTheField() throws {
        let cases: [(ChunkingOptions, String)] = [
            (ChunkingOptions(size: 15, overlap: 0), "options.chunk.size must be 16-8192 tokens, not 15"),
            (ChunkingOptions(size: 8193, overlap: 0), "options.chunk.size must be 16-8192 tokens, not 8193"),
            (
                ChunkingOptions(size: 64, overlap: -1),
                "options.chunk.overlap must be 0 to half of options.chunk.size (32), not -1"
            ),
            (
                ChunkingOptions(size: 64, overlap: 33),
                "options.chunk.overlap must be 0 to half of options.chunk.size (32), not 33"
            ),
            // Windows one token apart would repeat a document thousands of times over.
            (
                ChunkingOptions(size: 8192, overlap: 8191),
                "options.chunk.overlap must be 0 to half of options.chunk.size (4096), not 8191"
            ),
        ]
        for (options, message) in cases {
            #expect(throws: OCRError(.invalidJob, message)) { try options.validate() }
        }
        try ChunkingOptions(size: 16, overlap: 8).validate()
        try ChunkingOptions(size: 8192, overlap: 0).validate()
    }
}
