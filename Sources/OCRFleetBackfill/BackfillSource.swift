import Foundation
import OCRFleetContent

/// Where a backfill finds its documents.
public enum BackfillSource: Sendable {
    /// Every regular file under a directory.
    case directory(String)
    /// A JSON-lines manifest: one `{"url", "id"?, "content_type"?, "size"?, "modified"?,
    /// "metadata"?, "result_url"?}` per line.
    case manifest(String)
    /// Every object under a prefix of a bucket.
    case s3(S3Client, prefix: String)

    /// What was read: a document, or a manifest line that is not one (counted as failed).
    public enum Entry: Sendable {
        case document(BackfillDocument)
        case invalid(String)
    }

    /// Names the source in the checkpoint, so that a checkpoint is never applied to another.
    public var identity: String {
        switch self {
        case .directory(let path): "dir:" + URL(fileURLWithPath: path).standardizedFileURL.path
        case .manifest(let path): "manifest:" + URL(fileURLWithPath: path).standardizedFileURL.path
        case .s3(let client, let prefix): "s3://\(client.bucket.name)/\(prefix)"
        }
    }

    /// Reads the source's entries in its own order as they are asked for (an S3 listing a
    /// page at a time, a manifest a chunk at a time), so memory stays flat however many there are.
    public func makeReader() throws -> Reader {
        switch self {
        case .directory(let path):
            let base = URL(fileURLWithPath: path).standardizedFileURL
            guard
                let walker = FileManager.default.enumerator(
                    at: base,
                    includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey, .contentModificationDateKey],
                    options: [.skipsHiddenFiles]
                )
            else { throw BackfillError("cannot read the directory \(path)") }
            return Reader(.directory(base: base, walker: walker))
        case .manifest(let path):
            guard let handle = FileHandle(forReadingAtPath: path) else { throw BackfillError("cannot read \(path)") }
            return Reader(.manifest(path: path, lines: LineReader(handle)))
        case .s3(let client, let prefix):
            return Reader(.s3(client, prefix: prefix))
        }
    }

    /// One pass over a source. Used from one task.
    public final class Reader {
        enum State {
            case directory(base: URL, walker: FileManager.DirectoryEnumerator)
            case manifest(path: String, lines: LineReader)
            case s3(S3Client, prefix: String)
        }

        private let state: State
        private var page: [S3Object] = []
        private var token: String?
        private var listed = false
        private var lineNumber = 0
        private let decoder = JSONDecoder()

        init(_ state: State) {
            self.state = state
            decoder.dateDecodingStrategy = .iso8601
        }

        /// The next entry; nil at the end.
        public func next() async throws -> Entry? {
            switch state {
            case .directory(let base, let walker): return try nextFile(base: base, walker: walker)
            case .manifest(let path, let lines): return try nextLine(path: path, lines: lines)
            case .s3(let client, let prefix): return try await nextObject(client, prefix: prefix)
            }
        }

        private func nextFile(base: URL, walker: FileManager.DirectoryEnumerator) throws -> Entry? {
            let keys: Set<URLResourceKey> = [.isRegularFileKey, .fileSizeKey, .contentModificationDateKey]
            while let url = walker.nextObject() as? URL {
                let values = try url.resourceValues(forKeys: keys)
                guard values.isRegularFile == true else { continue }
                let relative = String(url.standardizedFileURL.path.dropFirst(base.path.count).drop { $0 == "/" })
                let size = values.fileSize ?? 0
                let modified = values.contentModificationDate
                return .document(
                    BackfillDocument(
                        key: relative,
                        origin: .file(url.path),
                        size: size,
                        modified: modified,
                        version: "\(size)-\(Int(modified?.timeIntervalSince1970 ?? 0))"
                    )
                )
            }
            return nil
        }

        private func nextLine(path: String, lines: LineReader) throws -> Entry? {
            while let line = try lines.next() {
                lineNumber += 1
                let text = line.trimmingCharacters(in: .whitespaces)
                guard !text.isEmpty, !text.hasPrefix("#") else { continue }
                guard let entry = try? decoder.decode(ManifestLine.self, from: Data(text.utf8)),
                    entry.url.hasPrefix("http://") || entry.url.hasPrefix("https://")
                else {
                    return .invalid("\(path):\(lineNumber): not a JSON object with an http(s) \"url\"")
                }
                return .document(
                    BackfillDocument(
                        key: entry.id ?? String(entry.url.prefix { $0 != "?" }),
                        origin: .url(entry.url),
                        size: entry.size,
                        modified: entry.modified,
                        contentType: entry.contentType ?? BackfillDocument.contentType(ofName: entry.url),
                        metadata: entry.metadata ?? [:],
                        resultURL: entry.resultURL
                    )
                )
            }
            return nil
        }

        /// Objects other than "folders" and the `.md` results a backfill writes beside its sources.
        private func nextObject(_ client: S3Client, prefix: String) async throws -> Entry? {
            while true {
                if let object = page.first {
                    page.removeFirst()
                    guard !object.key.hasSuffix("/"), !object.key.hasSuffix(".md") else { continue }
                    return .document(
                        BackfillDocument(
                            key: object.key,
                            origin: .s3(key: object.key),
                            size: object.size,
                            modified: object.lastModified,
                            version: object.etag ?? "\(object.size)"
                        )
                    )
                }
                guard !listed || token != nil else { return nil }
                let next = try await client.list(prefix: prefix, continuation: token)
                page = next.objects
                token = next.next
                listed = true
            }
        }
    }

    struct ManifestLine: Decodable {
        var url: String
        var id: String?
        var contentType: String?
        var size: Int?
        var modified: Date?
        var metadata: [String: String]?
        var resultURL: String?

        enum CodingKeys: String, CodingKey {
            case url, id, size, modified, metadata
            case contentType = "content_type"
            case resultURL = "result_url"
        }
    }
}

/// A file's lines, read 64 KiB at a time (manifests may hold millions).
final class LineReader {
    private let handle: FileHandle
    private var pending: [UInt8] = []
    private var start = 0
    private var atEnd = false

    init(_ handle: FileHandle) { self.handle = handle }

    deinit { try? handle.close() }

    func next() throws -> String? {
        while true {
            if let end = pending[start...].firstIndex(of: 0x0A) {
                defer { start = end + 1 }
                return String(decoding: pending[start..<end], as: UTF8.self)
            }
            if atEnd {
                guard start < pending.count else { return nil }
                defer { start = pending.count }
                return String(decoding: pending[start...], as: UTF8.self)
            }
            pending.removeSubrange(..<start)
            start = 0
            let chunk = try handle.read(upToCount: 1 << 16) ?? Data()
            if chunk.isEmpty { atEnd = true } else { pending += chunk }
        }
    }
}

/// A backfill that cannot start or go on (its source is unreadable, its checkpoint belongs
/// to another source).
public struct BackfillError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
