import Foundation
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import Testing

/// `OCR_CACHE` (docs/storage.md#result-cache): what is stored comes back whole, only under its
/// own scope and key, and not at all once any of it is gone.
@Suite(.serialized) struct ResultCacheTests {
    static let completion = JobCompleted(
        result: ResultSummary(url: "http://store/results/a.md", bytes: 0, sha256: ""),
        pages: 3,
        pagesFailed: [],
        engine: "tesseract",
        durationMs: 10,
        timingsMs: [:],
        usage: PageUsage(pagesOCR: 3, pagesText: 0)
    )

    static func entry(_ jobID: String) -> CachedResult.Entry {
        CachedResult.Entry(jobID: jobID, format: "pdf", completion: completion)
    }

    /// Bytes of every value, more than two parts' worth.
    static let large = (0..<(ResultCache.partBytes * 2 + 1000)).map { UInt8(truncatingIfNeeded: $0 &* 31) }

    @Test func aResultOfManyPartsComesBackWholeOnlyUnderItsScopeAndKey() async throws {
        try await withNATSServer { server in
            let nats = try await BusTests.connect(server)
            try await FleetTopology().ensureStreams(on: nats)
            let cache = ResultCache(connection: nats)
            let files = ["markdown": Self.large, "layout": Array("{}".utf8), "chunks": []]
            try await cache.store(Self.entry("t=a"), files: files, scope: "t-t", key: "k1")

            let found = try #require(try await cache.lookup(scope: "t-t", key: "k1"))
            #expect(found.files == files && found.entry.jobID == "t=a" && found.entry.completion == Self.completion)
            #expect(found.entry.files["markdown"]?.parts == 3)
            #expect(try await cache.lookup(scope: "t-u", key: "k1") == nil)
            #expect(try await cache.lookup(scope: "t-t", key: "k2") == nil)

            // A later job under the same key is the one found; purged, the earlier one is again.
            try await cache.store(Self.entry("t=b"), files: ["markdown": Array("b".utf8)], scope: "t-t", key: "k1")
            #expect(try await cache.lookup(scope: "t-t", key: "k1")?.entry.jobID == "t=b")
            #expect(try await cache.purge(jobID: "t=b") == 2)
            #expect(try await cache.lookup(scope: "t-t", key: "k1")?.entry.jobID == "t=a")
        }
    }

    @Test func aResultMissingAPartIsNotFound() async throws {
        try await withNATSServer { server in
            let nats = try await BusTests.connect(server)
            try await FleetTopology().ensureStreams(on: nats)
            let cache = ResultCache(connection: nats)
            try await cache.store(Self.entry("t=a"), files: ["markdown": Self.large], scope: "t-t", key: "k")
            let messages = StoredMessages(connection: nats, stream: StreamNames.cache)
            let middle = try #require(
                try await messages.last(on: Subjects.cachePart(scope: "t-t", key: "k", jobID: "t=a", file: "markdown", part: 1))
            )
            try await messages.delete(middle.sequence)
            #expect(try await cache.lookup(scope: "t-t", key: "k") == nil)
        }
    }
}
