import Foundation
import NIOPosix
import OCRFleetContent

/// Where the gateway keeps uploads and results: its own directory, served under
/// `/v1/store/`, or an S3-compatible bucket that workers reach through presigned URLs.
enum DocumentStore: Sendable {
    case local(LocalStore)
    case s3(S3Client, prefix: String)

    /// A URL for `method` on `key` valid for `lifetime`.
    func presignedURL(_ method: LocalStore.Method, key: String, lifetime: Duration) -> String {
        switch self {
        case .local(let store):
            let expires = Date().addingTimeInterval(Double(lifetime.components.seconds))
            return store.presignedURL(method, objectKey: key, expires: expires)
        case .s3(let client, let prefix):
            return client.bucket.presignedURL(method == .get ? .get : .put, key: prefix + key, lifetime: lifetime)
        }
    }

    /// A new file to receive an upload into, away from every object: an upload becomes an
    /// object only when `commit` puts it in place, so a refused or repeated submission never
    /// touches an existing job's file.
    func spoolPath() throws -> String {
        let directory: String
        switch self {
        case .local(let store): directory = store.directory + "/.incoming"
        case .s3: directory = NSTemporaryDirectory()
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory + "/ocrfleet-upload-\(UUID().uuidString)"
    }

    /// Puts a received upload in place under `key`: a rename in a local store (the spool is
    /// on the same file system), a PUT to the bucket for S3.
    func commit(receivedAt path: String, key: String, contentType: String?) async throws {
        switch self {
        case .local(let store):
            let target = store.path(for: key)
            try FileManager.default.createDirectory(
                atPath: (target as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            guard rename(path, target) == 0 else { throw CocoaError(.fileWriteUnknown) }
        case .s3(let client, let prefix):
            defer { try? FileManager.default.removeItem(atPath: path) }
            try await client.put(file: path, key: prefix + key, contentType: contentType)
        }
    }

    /// Writes `bytes` as the object `key` (a reviewed extraction version): to a file beside
    /// it renamed into place, so a reader never sees half of it, or a PUT to the bucket.
    func put(_ bytes: [UInt8], key: String, contentType: String) async throws {
        switch self {
        case .local:
            let spool = try spoolPath()
            let chunks = AsyncStream<ArraySlice<UInt8>> { chunks in
                chunks.yield(ArraySlice(bytes))
                chunks.finish()
            }
            _ = try await MultipartUpload.write(chunks, to: spool, maxBytes: bytes.count)
            try await commit(receivedAt: spool, key: key, contentType: contentType)
        case .s3(let client, let prefix):
            try await client.put(bytes, key: prefix + key, contentType: contentType)
        }
    }

    /// Deletes the objects of the job `clientID` below `keyPrefix` (its owner's part of the
    /// store): its upload under `sources/<id>/`, its results `results/<id>.md`, `.layout.json`,
    /// `.chunks.jsonl`, `.extraction.json` and its reviewed versions under `reviews/<id>/`.
    /// Returns how many there were; objects already gone are no error.
    func deleteObjects(ofJob clientID: String, under keyPrefix: String) async throws -> Int {
        guard !clientID.isEmpty else { return 0 }
        let folders = ["sources/\(clientID)/", "reviews/\(clientID)/"].map { keyPrefix + $0 }
        switch self {
        case .local(let store):
            let results = [".md", ".layout.json", ".chunks.jsonl", ".extraction.json"].map { keyPrefix + "results/\(clientID)" + $0 }
            return try await NIOThreadPool.singleton.runIfActive {
                let manager = FileManager.default
                var deleted = 0
                func remove(_ path: String) throws {
                    do {
                        try manager.removeItem(atPath: path)
                    } catch {
                        // Removed meanwhile by another purge of the job is done.
                        if manager.fileExists(atPath: path) { throw error }
                    }
                }
                // Each checked as a key, so no path can reach past the job's own folder.
                for folder in folders where LocalStore.isValidKey(folder + "source") {
                    let path = store.path(for: String(folder.dropLast()))
                    let files = (manager.enumerator(atPath: path)?.allObjects as? [String] ?? []).filter { name in
                        var isDirectory: ObjCBool = false
                        return manager.fileExists(atPath: path + "/" + name, isDirectory: &isDirectory) && !isDirectory.boolValue
                    }
                    guard manager.fileExists(atPath: path) else { continue }
                    try remove(path)
                    deleted += files.count
                }
                for key in results where LocalStore.isValidKey(key) && manager.fileExists(atPath: store.path(for: key)) {
                    try remove(store.path(for: key))
                    deleted += 1
                }
                return deleted
            }
        case .s3(let client, let prefix):
            var deleted = 0
            for under in folders + [keyPrefix + "results/\(clientID)."] { deleted += try await client.delete(under: prefix + under) }
            return deleted
        }
    }

    /// The URL of the object `key` without a signature: what events name it by.
    func plainURL(of key: String) -> String {
        String(presignedURL(.get, key: key, lifetime: .seconds(60)).prefix { $0 != "?" })
    }

    /// Drops a received upload that will not become a job.
    func discard(receivedAt path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Where a result URL a worker reported can be read: a local file the gateway serves, or
    /// a fresh presigned GET to redirect to (nil: the URL belongs to neither).
    enum Location {
        case file(String)
        case redirect(String)
    }

    /// Only objects under `keyPrefix` (the caller's part of the store) are served this way:
    /// a result URL that names anything else is left to the client to follow as it is.
    func location(ofResult url: String, under keyPrefix: String) -> Location? {
        guard let key = key(of: url), key.hasPrefix(keyPrefix) else { return nil }
        switch self {
        case .local(let store): return .file(store.path(for: key))
        case .s3(let client, let prefix):
            return .redirect(client.bucket.presignedURL(.get, key: prefix + key, lifetime: Self.readLifetime))
        }
    }

    /// The key (below the store's prefix) of an object of this store that `url` names, signed
    /// or not; nil for a URL of anything else.
    func key(of url: String) -> String? {
        switch self {
        case .local(let store):
            let prefix = store.publicBaseURL + LocalStore.routePrefix
            guard url.hasPrefix(prefix) else { return nil }
            let path = url.dropFirst(prefix.count).prefix { $0 != "?" }
            let key = String(path).removingPercentEncoding ?? ""
            return LocalStore.isValidKey(key) ? key : nil
        case .s3(let client, let prefix):
            guard let key = client.bucket.key(of: url), key.hasPrefix(prefix) else { return nil }
            return String(key.dropFirst(prefix.count))
        }
    }

    /// Where the object `key` (under the store's prefix) can be read, or nil when it does not exist.
    func location(of key: String) async throws -> Location? {
        switch self {
        case .local(let store):
            let path = store.path(for: key)
            return FileManager.default.fileExists(atPath: path) ? .file(path) : nil
        case .s3(let client, let prefix):
            guard try await client.head(prefix + key) != nil else { return nil }
            return .redirect(client.bucket.presignedURL(.get, key: prefix + key, lifetime: Self.readLifetime))
        }
    }

    /// Redirects to results are short-lived: the client follows them at once.
    static let readLifetime: Duration = .seconds(900)

    /// The local store, for the `/v1/store/` routes.
    var local: LocalStore? {
        if case .local(let store) = self { return store }
        return nil
    }
}
