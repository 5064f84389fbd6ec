import Foundation

/// Length-prefixed frames over a pipe: a 4-byte little-endian length of a JSON message, a
/// 4-byte length of an attachment (a page bitmap, often megabytes, kept out of the JSON),
/// then both. Reads and writes block: call them from a thread of their own, never from
/// Swift's cooperative pool.
enum FrameChannel {
    enum Failure: Error, CustomStringConvertible {
        /// The other side closed the pipe between frames.
        case ended
        case broken(String)

        var description: String {
            switch self {
            case .ended: "the pipe was closed"
            case .broken(let why): why
            }
        }
    }

    static func write<Message: Encodable>(_ message: Message, attachment: [UInt8] = [], to handle: FileHandle) throws {
        let json = try JSONEncoder().encode(message)
        var frame = Data(capacity: 8 + json.count + attachment.count)
        frame.append(contentsOf: littleEndian(json.count))
        frame.append(contentsOf: littleEndian(attachment.count))
        frame.append(json)
        frame.append(contentsOf: attachment)
        try handle.write(contentsOf: frame)
    }

    /// The next frame; `Failure.ended` when the pipe closes before one starts. Sizes over
    /// the limits are refused before anything is allocated for them: the other side may be a
    /// child that read a hostile file.
    static func read<Message: Decodable>(
        _ type: Message.Type,
        from handle: FileHandle,
        maxMessage: Int,
        maxAttachment: Int
    ) throws -> (Message, [UInt8]) {
        let prefix = try exactly(8, from: handle, atStart: true)
        let messageSize = integer(prefix.prefix(4))
        let attachmentSize = integer(prefix.dropFirst(4))
        guard messageSize <= maxMessage, attachmentSize <= maxAttachment else {
            throw Failure.broken("a frame of \(messageSize) + \(attachmentSize) bytes, over the limits")
        }
        let message = try JSONDecoder().decode(type, from: try exactly(messageSize, from: handle, atStart: false))
        return (message, [UInt8](try exactly(attachmentSize, from: handle, atStart: false)))
    }

    private static func exactly(_ count: Int, from handle: FileHandle, atStart: Bool) throws -> Data {
        var data = Data(capacity: count)
        while data.count < count {
            guard let chunk = try handle.read(upToCount: count - data.count), !chunk.isEmpty else {
                throw atStart && data.isEmpty ? Failure.ended : Failure.broken("the pipe was closed mid-frame")
            }
            data.append(chunk)
        }
        return data
    }

    private static func littleEndian(_ value: Int) -> [UInt8] {
        let value = UInt32(clamping: value)
        return [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
    }

    private static func integer(_ bytes: Data.SubSequence) -> Int {
        bytes.reversed().reduce(0) { $0 << 8 | Int($1) }
    }
}
