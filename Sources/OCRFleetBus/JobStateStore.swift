import CNats
import Foundation
import OCRFleetModel

/// The `ocr-jobs` KV bucket: latest state of every job.
///
/// `@unchecked Sendable`: libnats KV handles are thread-safe; the pointer is released only
/// in `deinit`.
public final class JobStateStore: @unchecked Sendable {
    private let kv: OpaquePointer
    private let connection: NATSConnection

    public init(connection: NATSConnection) async throws {
        self.connection = connection
        kv = try await connection.blockingCall {
            var kv: OpaquePointer?
            try check(
                "open KV bucket \(StreamNames.jobStateBucket)",
                js_KeyValue(&kv, connection.jetStream, StreamNames.jobStateBucket))
            return HandleTransfer(raw: kv!)
        }.raw
    }

    deinit { kvStore_Destroy(kv) }

    public func get(_ jobID: String) async throws -> JobState? {
        guard JobRequest.isValidJobID(jobID), let bytes = try await value(of: jobID) else { return nil }
        return try CloudEventCoding.decoder().decode(JobState.self, from: Data(bytes))
    }

    public func put(_ state: JobState) async throws {
        try await store(try [UInt8](CloudEventCoding.encoder().encode(state)), at: state.jobID)
    }

    /// Records that the job is to be cancelled, under `cancel.<job_id>` beside its state
    /// (the worker running the job writes the state; this key is the requester's).
    public func requestCancel(_ jobID: String) async throws {
        try await store(Array(ISO8601DateFormatter().string(from: Date()).utf8), at: "cancel.\(jobID)")
    }

    public func isCancelRequested(_ jobID: String) async throws -> Bool {
        guard JobRequest.isValidJobID(jobID) else { return false }
        return try await value(of: "cancel.\(jobID)") != nil
    }

    private func value(of key: String) async throws -> [UInt8]? {
        try await connection.blockingCall { [self] in
            var entry: OpaquePointer?
            let status = kvStore_Get(&entry, kv, key)
            if status == NATS_NOT_FOUND { return nil }
            try check("get \(key) from KV", status)
            defer { kvEntry_Destroy(entry) }
            let length = Int(kvEntry_ValueLen(entry))
            guard length > 0, let value = kvEntry_Value(entry) else { return nil }
            return Array(UnsafeRawBufferPointer(start: value, count: length))
        }
    }

    private func store(_ bytes: [UInt8], at key: String) async throws {
        try await connection.blockingCall { [self] in
            var revision: UInt64 = 0
            let status = bytes.withUnsafeBytes { raw in
                kvStore_Put(&revision, kv, key, raw.baseAddress, Int32(raw.count))
            }
            try check("put \(key) in KV", status)
        }
    }
}
