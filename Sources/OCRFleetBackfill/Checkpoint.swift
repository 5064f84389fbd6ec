import Foundation

/// The documents a backfill has submitted, one key a line after a header naming the source,
/// appended as each submission is accepted, so that a run stopped anywhere resumes without
/// resubmitting. A key cut short by a crash is ignored on reading.
public final class Checkpoint {
    public let path: String
    private let handle: FileHandle
    public private(set) var done: Set<String>
    private var unsynced = 0

    static let header = "# ocrfleet backfill checkpoint v1 "

    /// Opens (or creates) the checkpoint of `source`; fails if the file belongs to another source.
    public init(path: String, source: String) throws {
        self.path = path
        var keys = Set<String>()
        if let data = FileManager.default.contents(atPath: path), !data.isEmpty {
            let text = String(decoding: data, as: UTF8.self)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            guard let first = lines.first, first == Self.header + source else {
                throw BackfillError("\(path) is the checkpoint of another source (\(lines.first ?? "")); use another file")
            }
            // The last line is complete only if the file ends in a newline.
            if !text.hasSuffix("\n") { lines.removeLast() }
            for line in lines.dropFirst() where !line.isEmpty { keys.insert(Self.unescape(String(line))) }
        } else {
            try Data((Self.header + source + "\n").utf8).write(to: URL(fileURLWithPath: path))
        }
        done = keys
        guard let handle = FileHandle(forWritingAtPath: path) else { throw BackfillError("cannot write \(path)") }
        try handle.seekToEnd()
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// Records a submitted document. Synced to disk every 100 records and by `sync()`.
    public func record(_ key: String) throws {
        done.insert(key)
        try handle.write(contentsOf: Data((Self.escape(key) + "\n").utf8))
        unsynced += 1
        if unsynced >= 100 { try sync() }
    }

    public func sync() throws {
        try handle.synchronize()
        unsynced = 0
    }

    /// Keys are one line each: newlines and backslashes escaped.
    static func escape(_ key: String) -> String {
        key.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func unescape(_ line: String) -> String {
        var result = ""
        var escaping = false
        for character in line {
            if escaping {
                result.append(character == "n" ? "\n" : character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return result
    }
}
