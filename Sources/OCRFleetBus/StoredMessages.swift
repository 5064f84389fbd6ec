import CNats
import Foundation
import OCRFleetModel

/// A message kept in a stream, read by its sequence number.
public struct StoredMessage: Sendable {
    public var sequence: UInt64
    public var subject: String
    public var payload: [UInt8]
    public var headers: [String: String]
    /// When the stream stored it, by the server's clock (nil when the server did not say).
    public var storedAt: Date?

    /// Copies a message fetched from a stream out of libnats and destroys it.
    init(taking message: OpaquePointer) {
        defer { natsMsg_Destroy(message) }
        sequence = natsMsg_GetSequence(message)
        let time = natsMsg_GetTime(message)
        storedAt = time > 0 ? Date(timeIntervalSince1970: Double(time) / 1e9) : nil
        subject = String(cString: natsMsg_GetSubject(message))
        payload = readPayload(message)
        headers = readHeaders(message)
    }
}

/// Reads, deletes and purges the messages kept in one stream (for `OCR_DLQ`: dead letters
/// are kept, not consumed).
public struct StoredMessages: Sendable {
    let connection: NATSConnection
    public let stream: String

    public init(connection: NATSConnection, stream: String) {
        self.connection = connection
        self.stream = stream
    }

    /// First and last sequence and how many messages are kept.
    public func bounds() async throws -> (first: UInt64, last: UInt64, count: UInt64) {
        let state = try await state()
        return (state.first, state.last, state.count)
    }

    /// How many messages are kept and when the oldest was stored (nil when none is): on a
    /// work queue, how much waits and for how long.
    public func backlog() async throws -> (count: UInt64, oldest: Date?) {
        let state = try await state()
        let oldest = state.count > 0 && state.firstTime > 0 ? Date(timeIntervalSince1970: Double(state.firstTime) / 1e9) : nil
        return (state.count, oldest)
    }

    /// How many messages each subject matching `filter` keeps; subjects keeping none are left
    /// out.
    public func counts(bySubject filter: String) async throws -> [String: UInt64] {
        try await connection.blockingCall { [connection, stream] in
            var options = jsOptions()
            jsOptions_Init(&options)
            var info: UnsafeMutablePointer<jsStreamInfo>?
            var code = jsErrCode(rawValue: 0)
            let status = filter.withCString { filter in
                options.Stream.Info.SubjectsFilter = filter
                return js_GetStreamInfo(&info, connection.jetStream, stream, &options, &code)
            }
            try check("read stream \(stream)'s subjects", status, code)
            defer { jsStreamInfo_Destroy(info) }
            var counts: [String: UInt64] = [:]
            if let subjects = info?.pointee.State.Subjects?.pointee {
                for index in 0..<Int(subjects.Count) {
                    let subject = subjects.List[index]
                    counts[String(cString: subject.Subject)] = subject.Msgs
                }
            }
            return counts
        }
    }

    /// The stream's state, as far as these read it.
    private func state() async throws -> (first: UInt64, last: UInt64, count: UInt64, firstTime: Int64) {
        try await connection.blockingCall { [connection, stream] in
            var info: UnsafeMutablePointer<jsStreamInfo>?
            var code = jsErrCode(rawValue: 0)
            try check("read stream \(stream)", js_GetStreamInfo(&info, connection.jetStream, stream, nil, &code), code)
            defer { jsStreamInfo_Destroy(info) }
            let state = info!.pointee.State
            return (state.FirstSeq, state.LastSeq, state.Msgs, state.FirstTime)
        }
    }

    /// The message at `sequence`; nil when it was deleted or never existed.
    public func message(at sequence: UInt64) async throws -> StoredMessage? {
        try await connection.blockingCall { [connection, stream] in
            var message: OpaquePointer?
            var code = jsErrCode(rawValue: 0)
            let status = js_GetMsg(&message, connection.jetStream, stream, sequence, nil, &code)
            if status == NATS_NOT_FOUND { return nil }
            try check("read message \(sequence) of \(stream)", status, code)
            return message.map { StoredMessage(taking: $0) }
        }
    }

    /// The newest message kept on `subject`; nil when there is none.
    public func last(on subject: String) async throws -> StoredMessage? {
        try await connection.blockingCall { [connection, stream] in
            var message: OpaquePointer?
            var code = jsErrCode(rawValue: 0)
            let status = js_GetLastMsg(&message, connection.jetStream, stream, subject, nil, &code)
            if status == NATS_NOT_FOUND { return nil }
            try check("read the last message on \(subject) of \(stream)", status, code)
            return message.map { StoredMessage(taking: $0) }
        }
    }

    /// Every message kept, oldest first.
    public func all() async throws -> [StoredMessage] {
        let (first, last, count) = try await bounds()
        guard count > 0, first <= last else { return [] }
        var messages: [StoredMessage] = []
        for sequence in first...last {
            if let message = try await message(at: sequence) { messages.append(message) }
        }
        return messages
    }

    /// Removes every message on `subject` (wildcards allowed), or only those before sequence
    /// `before`; returns how many the subject had.
    @discardableResult
    public func purge(subject: String, before: UInt64? = nil) async throws -> UInt64 {
        let count = try await counts(bySubject: subject).values.reduce(0, +)
        guard count > 0 else { return 0 }
        try await connection.blockingCall { [connection, stream] in
            var options = jsOptions()
            jsOptions_Init(&options)
            var code = jsErrCode(rawValue: 0)
            let status = subject.withCString { filter in
                options.Stream.Purge.Subject = filter
                options.Stream.Purge.Sequence = before ?? 0
                return js_PurgeStream(connection.jetStream, stream, &options, &code)
            }
            try check("purge \(subject) from \(stream)", status, code)
        }
        return count
    }

    public func delete(_ sequence: UInt64) async throws {
        try await connection.blockingCall { [connection, stream] in
            var code = jsErrCode(rawValue: 0)
            try check("delete message \(sequence) of \(stream)", js_DeleteMsg(connection.jetStream, stream, sequence, nil, &code), code)
        }
    }

    public func purge() async throws {
        try await connection.blockingCall { [connection, stream] in
            var code = jsErrCode(rawValue: 0)
            try check("purge \(stream)", js_PurgeStream(connection.jetStream, stream, nil, &code), code)
        }
    }
}
