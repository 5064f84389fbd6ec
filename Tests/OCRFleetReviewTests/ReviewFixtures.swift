import Foundation
import Logging
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting

/// A job with three uncertain fields, as a worker would open its review.
enum ReviewFixtures {
    static let logger = Logger(label: "review-test")
    static let created = Timestamp.parse("2026-12-02T09:00:00Z")!

    static func connect(_ server: NATSServerProcess) async throws -> NATSConnection {
        try await NATSConnection.connect(.init(urls: [server.url], name: "review-test"), logger: logger)
    }

    static func store(_ server: NATSServerProcess, lease: Duration = .seconds(600)) async throws -> ReviewStore {
        let nats = try await connect(server)
        try await FleetTopology().ensureStreams(on: nats)
        return try await ReviewStore.ensureTopology(on: nats, lease: lease)
    }

    static let schema: JSONValue = .object([
        "type": .string("object"),
        "properties": .object([
            "total": .object(["type": .string("number"), "minimum": .number(0)]),
            "iban": .object(["type": .string("string")]),
            "date": .object(["type": .array([.string("string"), .string("null")]), "format": .string("date")]),
        ]),
    ])

    static let values: JSONValue = .object(["total": .number(-5), "iban": .string("XX12"), "date": .string("2026-01-31")])

    static func document() -> ExtractionDocument {
        let fields = ["/total", "/iban", "/date"].enumerated().map { index, pointer in
            ExtractedField(
                pointer: pointer,
                value: values.member(pointer)!,
                confidence: 0.5 + Double(index) / 10,
                confidenceParts: ConfidenceParts(model: 0.5, validation: 1, evidence: 1),
                citation: Citation(page: 1, box: nil, text: "text of \(pointer)", markdownRange: [index * 10, index * 10 + 5])
            )
        }
        return ExtractionDocument(
            classification: DocumentClassification(label: "invoice", confidence: 0.9, pages: []),
            extraction: FieldExtraction(values: values, fields: fields, requests: 1, pieces: 1)
        )
    }

    /// `count` items of `jobID` (the first three on the document's fields, the rest on /total).
    static func items(jobID: String, tenant: String, count: Int = 3) -> [ReviewItem] {
        let pointers = ["/total", "/iban", "/date"]
        let reasons: [[ReviewReason]] = [[.lowConfidence, .anomaly], [.lowConfidence], [.sampled]]
        return (1...count).map { number in
            let pointer = pointers[(number - 1) % 3]
            return ReviewItem(
                id: ReviewItem.id(jobID: jobID, number: number),
                jobID: jobID,
                tenant: tenant,
                label: "invoice",
                kind: .field,
                pointer: pointer,
                value: values.member(pointer)!,
                confidence: 0.5,
                reasons: reasons[(number - 1) % 3],
                message: "check \(pointer)",
                citation: Citation(page: 1, box: nil, text: "text of \(pointer)", markdownRange: [0, 5]),
                context: "around \(pointer)",
                crop: number == 1,
                createdAt: created
            )
        }
    }

    /// Opens a job's review: its items, case, document and a crop for the first item.
    @discardableResult
    static func open(
        _ store: ReviewStore,
        jobID: String = "alpha=inv-1",
        tenant: String = "alpha",
        count: Int = 3,
        document: [UInt8]? = nil
    ) async throws -> [ReviewItem] {
        let items = items(jobID: jobID, tenant: tenant, count: count)
        let reviewCase = ReviewCase(
            jobID: jobID,
            tenant: tenant,
            label: "invoice",
            itemIDs: items.map(\.id),
            schema: schema,
            createdAt: created
        )
        let bytes = try document ?? Array(CloudEventCoding.encoder().encode(Self.document()))
        try await store.open(case: reviewCase, items: items, document: bytes, crops: [items[0].id: Array("PNG".utf8)])
        return items
    }

    /// Claims until the lane is empty.
    static func claimAll(_ store: ReviewStore, tenant: String, reviewer: String) async throws -> [String] {
        var ids: [String] = []
        while let item = try await store.claim(tenant: tenant, reviewer: reviewer) { ids.append(item.id) }
        return ids
    }
}

extension JSONValue {
    func member(_ pointer: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[String(pointer.dropFirst())]
    }
}
