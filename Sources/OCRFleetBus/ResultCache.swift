import Crypto
import Foundation
import OCRFleetModel

/// A job's results kept in `OCR_CACHE` for later jobs of the same tenant that bring the same
/// source bytes with the same options (docs/storage.md#result-cache). Workers hold no storage
/// credentials and cannot read a result back from where it was uploaded, so the bytes
/// themselves are kept, in parts under the server's message size, beside an entry that lists
/// them. The entry goes last, so one that is found has every part stored before it.
public struct ResultCache: Sendable {
    let messages: StoredMessages
    let connection: NATSConnection

    /// Bytes of one part: well under the server's default message limit of 1 MiB.
    public static let partBytes = 256 * 1024

    public init(connection: NATSConnection) {
        self.connection = connection
        messages = StoredMessages(connection: connection, stream: StreamNames.cache)
    }

    /// The newest result cached under `key` in `scope`, with every file as it was stored; nil
    /// when there is none, or when one of its parts is gone (purged, or aged out) or does not
    /// match the entry.
    public func lookup(scope: String, key: String) async throws -> CachedResult? {
        guard let stored = try await messages.last(on: Subjects.cacheEntries(scope: scope, key: key)),
            let entry = try? JSONDecoder().decode(CachedResult.Entry.self, from: Data(stored.payload))
        else { return nil }
        var files: [String: [UInt8]] = [:]
        for (name, file) in entry.files {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(file.bytes)
            for part in 0..<file.parts {
                let subject = Subjects.cachePart(scope: scope, key: key, jobID: entry.jobID, file: name, part: part)
                guard let message = try await messages.last(on: subject) else { return nil }
                bytes += message.payload
            }
            guard bytes.count == file.bytes, SHA256.hash(data: bytes).hexDigits == file.sha256 else { return nil }
            files[name] = bytes
        }
        return CachedResult(entry: entry, files: files)
    }

    /// Stores `files` and then the entry that lists them, under `key` in `scope`.
    public func store(_ entry: CachedResult.Entry, files: [String: [UInt8]], scope: String, key: String) async throws {
        var entry = entry
        entry.files = [:]
        for (name, bytes) in files {
            let parts = stride(from: 0, to: max(bytes.count, 1), by: Self.partBytes).map {
                Array(bytes[$0..<min($0 + Self.partBytes, bytes.count)])
            }
            for (index, part) in parts.enumerated() {
                let subject = Subjects.cachePart(scope: scope, key: key, jobID: entry.jobID, file: name, part: index)
                try await connection.publish(subject, payload: part)
            }
            entry.files[name] = CachedResult.File(parts: parts.count, bytes: bytes.count, sha256: SHA256.hash(data: bytes).hexDigits)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let payload = Array(try encoder.encode(entry))
        try await connection.publish(Subjects.cacheEntry(scope: scope, key: key, jobID: entry.jobID), payload: payload)
    }

    /// Removes everything cached of `jobID`; returns how many messages that was.
    @discardableResult
    public func purge(jobID: String) async throws -> UInt64 {
        try await messages.purge(subject: Subjects.cached(jobID: jobID))
    }
}

/// One job's cached results: the entry that lists them, and each file's bytes by name.
public struct CachedResult: Sendable, Equatable {
    public var entry: Entry
    public var files: [String: [UInt8]]

    public struct Entry: Codable, Sendable, Equatable {
        /// The job whose results these are.
        public var jobID: String
        /// The source's format, as its `started` event said.
        public var format: String
        /// Its `completed` event: what a job that reuses the results says, with its own URLs.
        public var completion: JobCompleted
        /// Each file's parts, size and SHA-256 (lower-case hex), by name.
        public var files: [String: File]

        public init(jobID: String, format: String, completion: JobCompleted, files: [String: File] = [:]) {
            self.jobID = jobID
            self.format = format
            self.completion = completion
            self.files = files
        }

        enum CodingKeys: String, CodingKey {
            case jobID = "job_id"
            case format, completion, files
        }
    }

    public struct File: Codable, Sendable, Equatable {
        public var parts: Int
        public var bytes: Int
        public var sha256: String
    }
}

extension SHA256.Digest {
    var hexDigits: String { map { String(format: "%02x", $0) }.joined() }
}
