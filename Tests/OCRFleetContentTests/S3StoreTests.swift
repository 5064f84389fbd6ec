import Foundation
import OCRFleetContent
import OCRFleetModel
import OCRFleetTesting
import Testing

@Suite struct S3SigningTests {
    static let keys = S3Credentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    )

    /// AWS's worked example of a presigned GET ("Authenticating Requests: Using Query
    /// Parameters", S3 API reference).
    @Test func matchesAWSsWorkedExample() {
        let bucket = S3Bucket(
            name: "examplebucket",
            endpoint: "https://s3.amazonaws.com",
            region: "us-east-1",
            pathStyle: false,
            credentials: Self.keys
        )
        let url = bucket.presignedURL(
            .get,
            key: "test.txt",
            lifetime: .seconds(86_400),
            now: Date(timeIntervalSince1970: 1_369_353_600)
        )
        #expect(
            url == "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        )
    }

    /// The same URLs botocore 1.43 signs for a path-style endpoint with a port, an escaped
    /// key and a bucket operation with its own query.
    @Test func matchesBotocoreForPathStyleKeysAndListings() {
        let bucket = S3Bucket(
            name: "examplebucket",
            endpoint: "http://127.0.0.1:9000",
            region: "us-east-1",
            pathStyle: true,
            credentials: Self.keys
        )
        let now = Date(timeIntervalSince1970: 1_795_448_940)  // 2026-11-23T15:49:00Z
        let object = bucket.presignedURL(.get, key: "dir/my file+1.pdf", lifetime: .seconds(86_400), now: now)
        #expect(object.hasPrefix("http://127.0.0.1:9000/examplebucket/dir/my%20file%2B1.pdf?"))
        #expect(object.hasSuffix("X-Amz-Signature=780612f774fde85bc7b770b4114c7648506fce24a8d05485a9da2ab7a4b539b3"))
        let listing = bucket.presignedURL(
            .get,
            key: "",
            query: ["list-type": "2", "prefix": "a/b", "encoding-type": "url"],
            lifetime: .seconds(3600),
            now: now
        )
        #expect(listing.hasPrefix("http://127.0.0.1:9000/examplebucket?"))
        #expect(listing.hasSuffix("X-Amz-Signature=5d0aab95bc203d25283b2984c1aa424eaea7c9958bab1fde0c5b08a9870dcb8c"))
    }

    @Test func readsLocationsAndExpiries() throws {
        #expect(S3Bucket.parseLocation("s3://docs-archive/2024/scans")! == ("docs-archive", "2024/scans/"))
        #expect(S3Bucket.parseLocation("s3://docs-archive")! == ("docs-archive", ""))
        #expect(S3Bucket.parseLocation("s3://Bad_Bucket/x") == nil)
        #expect(S3Bucket.parseLocation("https://example.com/x") == nil)

        let bucket = S3Bucket(
            name: "b-1",
            endpoint: "http://127.0.0.1:9000",
            region: "eu-west-1",
            pathStyle: true,
            credentials: Self.keys
        )
        let now = Date(timeIntervalSince1970: 1_795_448_940)
        let url = bucket.presignedURL(.put, key: "results/j 1.md", lifetime: .seconds(600), now: now)
        #expect(S3Bucket.expiry(ofPresignedURL: url) == now.addingTimeInterval(600))
        #expect(S3Bucket.expiry(ofPresignedURL: "http://example.com/a.pdf") == nil)
        #expect(bucket.key(of: bucket.objectURL("results/j 1.md")) == "results/j 1.md")
        #expect(bucket.key(of: url) == "results/j 1.md")
        #expect(bucket.key(of: "http://127.0.0.1:9000/other/results/x.md") == nil)
        // Never longer than S3 accepts.
        let long = bucket.presignedURL(.get, key: "k", lifetime: .seconds(30 * 86_400), now: now)
        #expect(S3Bucket.expiry(ofPresignedURL: long) == now.addingTimeInterval(7 * 86_400))
    }
}

/// The S3 operations and presigned transfers against a real S3-protocol server (moto).
@Suite struct S3StoreTests {
    @Test func presignedTransfersRoundTripThroughTheStore() async throws {
        try await withS3Server { s3 in
            let content = ContentClient(policy: LoopbackEgress.policy)
            defer { Task { try await content.shutdown() } }
            let bytes = Array("%PDF-1.4 not really, but bytes all the same\n".utf8)
            let put = s3.bucket.presignedURL(.put, key: "in/a b.pdf", lifetime: .seconds(60))
            try await content.upload(bytes, to: put, contentType: "application/pdf")

            let file = NSTemporaryDirectory() + "s3-download-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: file) }
            let get = s3.bucket.presignedURL(.get, key: "in/a b.pdf", lifetime: .seconds(60))
            let downloaded = try await content.download(get, to: file)
            #expect(downloaded.bytes == bytes.count)
            #expect(try Array(Data(contentsOf: URL(fileURLWithPath: file))) == bytes)
            #expect(try await s3.client.head("in/a b.pdf")?.size == bytes.count)
            #expect(try await s3.client.head("in/missing.pdf") == nil)
        }
    }

    @Test func anExpiredURLIsSourceNotFound() async throws {
        try await withS3Server { s3 in
            try await s3.client.put(Array("x".utf8), key: "old.pdf", contentType: "application/pdf")
            let content = ContentClient(policy: LoopbackEgress.policy)
            defer { Task { try await content.shutdown() } }
            let expired = s3.bucket.presignedURL(
                .get,
                key: "old.pdf",
                lifetime: .seconds(60),
                now: Date().addingTimeInterval(-120)
            )
            let error = await #expect(throws: OCRError.self) {
                try await content.download(expired, to: NSTemporaryDirectory() + "s3-expired-\(UUID().uuidString)")
            }
            #expect(error?.code == .sourceNotFound)
            #expect(error?.message.contains("expired") == true)
        }
    }

    @Test func listingsPageThroughEveryKeyInOrder() async throws {
        try await withS3Server { s3 in
            let keys = (1...5).map { "scans/\($0) page+.pdf" } + ["other/x.pdf"]
            for key in keys { try await s3.client.put(Array(key.utf8), key: key, contentType: "application/pdf") }
            var seen: [S3Object] = []
            var token: String?
            var pages = 0
            repeat {
                let page = try await s3.client.list(prefix: "scans/", continuation: token, pageSize: 2)
                seen += page.objects
                token = page.next
                pages += 1
            } while token != nil
            #expect(pages == 3)
            #expect(seen.map(\.key) == (1...5).map { "scans/\($0) page+.pdf" })
            #expect(seen.first?.size == "scans/1 page+.pdf".utf8.count)
            #expect(seen.allSatisfy { $0.lastModified != nil })
        }
    }
}
