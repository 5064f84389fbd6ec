import Crypto
import Foundation
import OCRFleetAPI
import OCRFleetBus
import OCRFleetClient
import OCRFleetModel
import OCRFleetTesting
import Testing

/// The result cache (docs/storage.md#result-cache): a tenant that opted in gets an earlier
/// job's results for the same bytes and options, and nobody else's; a purge takes them away.
@Suite(.serialized) struct ResultCacheEndToEndTests {
    @Test func theSameBytesAndOptionsReuseTheTenantsOwnEarlierResultUntilItIsPurged() async throws {
        try await withFleet(
            workerEnvironment: ["OCR_CACHE_TENANTS": "alpha,beta"],
            gatewayEnvironment: ["OCR_API_TOKENS": "tok-a:alpha,tok-b:beta,tok-c:gamma"],
            natsUsers: true
        ) { fleet in
            let invoice = Fixtures.path("invoice.png")
            let first = try await Self.run(fleet, tenant: "alpha", token: "tok-a", "first", file: invoice)
            #expect(first.cached == nil && first.usage.pagesOCR == 1, "\(first)")
            let second = try await Self.run(fleet, tenant: "alpha", token: "tok-a", "second", file: invoice)
            #expect(second.cached == true, "\(second)")
            #expect(second.result.sha256 == first.result.sha256 && second.pages == first.pages && second.engine == first.engine)
            #expect(second.usage == PageUsage(pagesOCR: 0, pagesText: 0) && second.result.url.hasSuffix("second.md"), "\(second)")
            let (status, markdown) = try await fleet.request("GET", "/v1/jobs/second/result", token: "tok-a")
            #expect(status == 200 && Fixtures.words(markdown).contains("garden"), "\(markdown)")
            #expect(SHA256.hash(data: Array(markdown.utf8)).map { String(format: "%02x", $0) }.joined() == first.result.sha256)

            // Another tenant's same bytes are recognised anew: nothing of alpha's reaches it.
            let beta = try await Self.run(fleet, tenant: "beta", token: "tok-b", "b", file: invoice)
            #expect(beta.cached == nil && beta.usage.pagesOCR == 1, "\(beta)")
            // A tenant that did not opt in never reuses, nor keeps.
            for id in ["g1", "g2"] {
                let gamma = try await Self.run(fleet, tenant: "gamma", token: "tok-c", id, file: invoice)
                #expect(gamma.cached == nil, "\(id): \(gamma)")
            }
            // Other options, other results.
            let other = try await Self.run(
                fleet,
                tenant: "alpha",
                token: "tok-a",
                "other",
                file: invoice,
                options: .init(chunk: .init(strategy: .page, size: 64, overlap: 0))
            )
            #expect(other.cached == nil && other.chunks != nil, "\(other)")
            // The lane is not part of the key.
            let batch = try await Self.run(fleet, tenant: "alpha", token: "tok-a", "batch", file: invoice, options: .init(priority: .batch))
            #expect(batch.cached == true, "\(batch)")

            // Purging the job whose results are kept takes them out of the cache.
            let purged = try await fleet.client(token: "tok-a").purge("first")
            #expect(purged.cachedMessages >= 2, "\(purged)")
            let third = try await Self.run(fleet, tenant: "alpha", token: "tok-a", "third", file: invoice)
            #expect(third.cached == nil && third.usage.pagesOCR == 1, "\(third)")
            #expect(NATSUserTests.violations(fleet).isEmpty, "\(NATSUserTests.violations(fleet))")
        }
    }

    @Test func aCachedResultServesTheLayoutChunksAndExtractionALaterJobAsksFor() async throws {
        try await withFleet(workerEnvironment: ["OCR_CACHE_TENANTS": "*"]) { fleet in
            let invoice = Fixtures.path("invoice.png")
            let options = Components.Schemas.Options(chunk: .init(strategy: .page, size: 64, overlap: 0))
            let first = try await Self.run(fleet, tenant: nil, token: nil, "first", file: invoice, options: options)
            let second = try await Self.run(fleet, tenant: nil, token: nil, "second", file: invoice, options: options)
            #expect(first.cached == nil && second.cached == true, "\(second)")
            #expect(second.chunks?.sha256 == first.chunks?.sha256 && second.chunks?.count == first.chunks?.count, "\(second)")
            #expect(second.chunks?.url.hasSuffix("second.chunks.jsonl") == true, "\(second)")
            #expect((first.layout == nil) == (second.layout == nil) && second.layout?.contains("second") != false, "\(second)")
            let (status, chunks) = try await fleet.request("GET", "/v1/jobs/second/chunks")
            #expect(status == 200 && Fixtures.words(chunks).contains("garden"), "\(chunks)")
        }
    }

    /// Submits `file` as `id` and waits for its `completed` event.
    static func run(
        _ fleet: TestFleet,
        tenant: String?,
        token: String?,
        _ id: String,
        file: String,
        options: Components.Schemas.Options = .init()
    ) async throws -> JobCompleted {
        let busID = tenant.map { "\($0)=\(id)" } ?? id
        let events = try fleet.recordEvents(Subjects.events(jobID: busID))
        try await fleet.nats.flush()
        _ = try await fleet.client(token: token).submit(file: file, jobID: id, options: options)
        let seen = try await events.events { $0.data.body.endsJob }
        guard case .completed(let completed)? = seen.last?.data.body else {
            throw TestEnvironmentError("job \(id) did not complete: \(String(describing: seen.last))")
        }
        return completed
    }
}
