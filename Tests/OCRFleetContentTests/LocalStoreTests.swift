import Foundation
import OCRFleetContent
import OCRFleetModel
import OCRFleetTesting
import Testing

@Suite struct LocalStoreTests {
    let store: LocalStore

    init() throws {
        store = try LocalStore(
            directory: NSTemporaryDirectory() + "store-test",
            publicBaseURL: "http://127.0.0.1:9/",
            secret: Array("secret".utf8)
        )
    }

    func parts(_ url: String) -> (key: String, expires: String, signature: String) {
        let components = URLComponents(string: url)!
        let query = Dictionary(uniqueKeysWithValues: components.queryItems!.map { ($0.name, $0.value!) })
        return (String(components.path.dropFirst(LocalStore.routePrefix.count)), query["expires"]!, query["signature"]!)
    }

    @Test func acceptsItsOwnURLsUntilTheyExpire() {
        let url = store.presignedURL(.get, objectKey: "sources/j-1/source", expires: Date().addingTimeInterval(60))
        #expect(url.hasPrefix("http://127.0.0.1:9/v1/store/sources/j-1/source?expires="))
        let (key, expires, signature) = parts(url)
        #expect(store.verify(.get, objectKey: key, expires: expires, signature: signature))
        #expect(!store.verify(.get, objectKey: key, expires: expires, signature: signature, now: Date().addingTimeInterval(120)))
    }

    @Test func rejectsTamperedURLs() {
        let (key, expires, signature) = parts(
            store.presignedURL(.get, objectKey: "results/a.md", expires: Date().addingTimeInterval(60))
        )
        #expect(!store.verify(.put, objectKey: key, expires: expires, signature: signature))
        #expect(!store.verify(.get, objectKey: "results/b.md", expires: expires, signature: signature))
        #expect(!store.verify(.get, objectKey: key, expires: String(Int(expires)! + 1000), signature: signature))
        #expect(!store.verify(.get, objectKey: key, expires: expires, signature: String(signature.reversed())))
        #expect(!store.verify(.get, objectKey: key, expires: nil, signature: signature))
        let other = try! LocalStore(directory: store.directory, publicBaseURL: "http://x", secret: Array("other".utf8))
        #expect(!other.verify(.get, objectKey: key, expires: expires, signature: signature))
    }

    @Test(arguments: ["../etc/passwd", "/abs", "a//b", "a/./b", "a/../b", "", "sources/x\u{0}y"])
    func refusesKeysOutsideTheStore(key: String) {
        #expect(!LocalStore.isValidKey(key))
    }
}

@Suite(.serialized) struct ContentClientTests {
    static func temporaryPath() -> String { NSTemporaryDirectory() + "content-test-\(UUID().uuidString)" }

    /// A client of its own for the test, shut down afterwards whatever happens.
    static func withClient(
        limits: TransferLimits = TransferLimits(),
        _ body: (ContentClient) async throws -> Void
    )
        async throws
    {
        let client = ContentClient(limits: limits, policy: LoopbackEgress.policy)
        do {
            try await body(client)
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    @Test func roundTripsThroughPresignedURLs() async throws {
        try await withFleet { fleet in
            try await Self.withClient { client in
                let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
                let expires = Date().addingTimeInterval(60)
                try await client.upload(
                    bytes,
                    to: fleet.store.presignedURL(.put, objectKey: "t/blob", expires: expires),
                    contentType: "application/octet-stream"
                )
                let path = Self.temporaryPath()
                defer { try? FileManager.default.removeItem(atPath: path) }
                let file = try await client.download(fleet.store.presignedURL(.get, objectKey: "t/blob", expires: expires), to: path)
                #expect(file.bytes == bytes.count)
                #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes))
                // The digest is checked when the job gives one.
                await #expect {
                    try await client.download(
                        fleet.store.presignedURL(.get, objectKey: "t/blob", expires: expires),
                        to: path,
                        expectedSHA256: String(repeating: "0", count: 64)
                    )
                } throws: { ($0 as? OCRError)?.code == .corruptDocument }
                _ = try await client.download(
                    fleet.store.presignedURL(.get, objectKey: "t/blob", expires: expires),
                    to: path,
                    expectedSHA256: file.sha256
                )
            }
        }
    }

    @Test func mapsFailuresToContractCodes() async throws {
        try await withFleet { fleet in
            try await Self.withClient(limits: TransferLimits(maxDownloadBytes: 1000, connectTimeout: .seconds(1))) { small in
                let path = Self.temporaryPath()
                defer { try? FileManager.default.removeItem(atPath: path) }
                let future = Date().addingTimeInterval(60)
                try await small.upload(
                    [UInt8](repeating: 7, count: 5000),
                    to: fleet.store.presignedURL(.put, objectKey: "t/big", expires: future),
                    contentType: "application/octet-stream"
                )
                let closedPort = try await FreePort.find()
                let cases: [(String, ErrorCode)] = [
                    (fleet.store.presignedURL(.get, objectKey: "t/big", expires: future), .sourceTooLarge),
                    (fleet.store.presignedURL(.get, objectKey: "t/big", expires: Date().addingTimeInterval(-1)), .sourceNotFound),
                    (fleet.store.presignedURL(.get, objectKey: "t/missing", expires: future), .sourceNotFound),
                    ("\(fleet.gatewayURL)/no/such/route", .sourceNotFound),
                    ("http://127.0.0.1:\(closedPort)/x", .sourceUnreachable),
                ]
                for (url, code) in cases {
                    await #expect(
                        performing: { try await small.download(url, to: path) },
                        throws: { error in
                            (error as? OCRError)?.code == code
                        }
                    )
                }
                await #expect {
                    try await small.upload([1, 2, 3], to: "http://127.0.0.1:\(closedPort)/x", contentType: "text/plain")
                } throws: { ($0 as? OCRError)?.code == .resultUploadFailed }
                await #expect {
                    try await small.upload(
                        [1, 2, 3],
                        to: fleet.store.presignedURL(.get, objectKey: "t/x", expires: future),
                        contentType: "text/plain"
                    )
                } throws: { ($0 as? OCRError)?.code == .resultRejected }
            }
        }
    }
}
