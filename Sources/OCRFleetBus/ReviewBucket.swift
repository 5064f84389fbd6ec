import CNats
import Foundation
import OCRFleetModel

/// One KV bucket of the review store, with compare-and-set on JSON values.
///
/// `@unchecked Sendable`: libnats KV handles are thread-safe; the pointer is released only
/// in `deinit`.
final class ReviewBucket: @unchecked Sendable {
    private let kv: OpaquePointer
    let name: String
    private let connection: NATSConnection

    init(connection: NATSConnection, name: String) async throws {
        self.connection = connection
        self.name = name
        kv = try await connection.blockingCall {
            var kv: OpaquePointer?
            try check("open KV bucket \(name)", js_KeyValue(&kv, connection.jetStream, name))
            return HandleTransfer(raw: kv!)
        }.raw
    }

    deinit { kvStore_Destroy(kv) }

    /// A key's value and revision; nil when it is missing or deleted.
    func get(_ key: String) async throws -> (bytes: [UInt8], revision: UInt64)? {
        try await connection.blockingCall { [self] in
            var entry: OpaquePointer?
            let status = kvStore_Get(&entry, kv, key)
            if status == NATS_NOT_FOUND { return nil }
            try check("get \(key) from KV \(name)", status)
            defer { kvEntry_Destroy(entry) }
            let length = Int(kvEntry_ValueLen(entry))
            guard length > 0, let value = kvEntry_Value(entry) else { return nil }
            return (Array(UnsafeRawBufferPointer(start: value, count: length)), kvEntry_Revision(entry))
        }
    }

    func put(_ key: String, _ bytes: [UInt8]) async throws {
        try await connection.blockingCall { [self] in
            var revision: UInt64 = 0
            let status = bytes.withUnsafeBytes { raw in kvStore_Put(&revision, kv, key, raw.baseAddress, Int32(raw.count)) }
            try check("put \(key) in KV \(name)", status)
        }
    }

    /// Writes `bytes` only where `key` has no value: false when it has one.
    func create(_ key: String, _ bytes: [UInt8]) async throws -> Bool {
        let status = try await connection.blockingCall { [self] in
            var revision: UInt64 = 0
            return bytes.withUnsafeBytes { raw in kvStore_Create(&revision, kv, key, raw.baseAddress, Int32(raw.count)) }
        }
        if status == NATS_OK { return true }
        guard let current = try await get(key) else { throw NATSError("create \(key) in KV \(name)", status: status) }
        // A create whose answer was lost stored these bytes: it counts as this call's.
        return current.bytes == bytes
    }

    /// Writes `bytes` only while `key` is at `revision`: false when another write came first.
    func update(_ key: String, _ bytes: [UInt8], revision: UInt64) async throws -> Bool {
        let status = try await connection.blockingCall { [self] in
            var stored: UInt64 = 0
            return bytes.withUnsafeBytes { raw in
                kvStore_Update(&stored, kv, key, raw.baseAddress, Int32(raw.count), revision)
            }
        }
        if status == NATS_OK { return true }
        // Lost the race, or lost the answer: the value now says which.
        guard let current = try await get(key) else { throw NATSError("update \(key) in KV \(name)", status: status) }
        return current.bytes == bytes
    }

    /// Every key under `prefix` (which ends in a dot): a watch of `<prefix>>` for its
    /// current keys only, so the server reads that prefix's subjects, not the bucket's.
    func keys(prefix: String) async throws -> [String] {
        try await connection.blockingCall { [self] in
            var options = kvWatchOptions()
            kvWatchOptions_Init(&options)
            options.MetaOnly = true
            options.IgnoreDeletes = true
            var watcher: OpaquePointer?
            try check("list the keys \(prefix)> of KV \(name)", kvStore_Watch(&watcher, kv, prefix + ">", &options))
            defer { kvWatcher_Destroy(watcher) }
            var keys: [String] = []
            while true {
                var entry: OpaquePointer?
                try check("list the keys \(prefix)> of KV \(name)", kvWatcher_Next(&entry, watcher, 10_000))
                // No entry: the current keys are all listed.
                guard let entry else { return keys }
                defer { kvEntry_Destroy(entry) }
                if let key = kvEntry_Key(entry) { keys.append(String(cString: key)) }
            }
        }
    }

    /// Removes `key` with all its revisions.
    func purge(_ key: String) async throws {
        try await connection.blockingCall { [self] in
            try check("purge \(key) from KV \(name)", kvStore_Purge(kv, key, nil))
        }
    }

    func delete(_ key: String) async throws {
        try await connection.blockingCall { [self] in
            try check("delete \(key) from KV \(name)", kvStore_Delete(kv, key))
        }
    }

    /// The JSON value at `key`.
    func value<T: Decodable>(_ key: String, as type: T.Type) async throws -> (value: T, revision: UInt64)? {
        guard let (bytes, revision) = try await get(key) else { return nil }
        return (try CloudEventCoding.decoder().decode(T.self, from: Data(bytes)), revision)
    }

    /// Changes the JSON value at `key` by compare-and-set: `change` gets the current value and
    /// returns the new one, or nil when nothing is to be written (it is called again after a
    /// lost race). Returns the value stored at the end; nil when the key has no value.
    func modify<T: Codable>(_ key: String, as type: T.Type, _ change: (T) throws -> T?) async throws -> T? {
        for _ in 0..<64 {
            guard let (current, revision) = try await value(key, as: T.self) else { return nil }
            guard let next = try change(current) else { return current }
            if try await update(key, Array(try CloudEventCoding.encoder().encode(next)), revision: revision) { return next }
        }
        throw ReviewStoreError.contention(key)
    }
}
