import OCRFleetModel
import Subprocess

/// A child's stream read to its end as it arrives, in bounded memory: its last bytes kept
/// (`ChildProcess.keptOutput`), and each line counted as a message, the first few kept.
struct OutputLines: Sendable {
    var tail: [UInt8] = []
    var messages = NativeMessages()
    private var line: [UInt8] = []
    private let library: String
    private let category: String
    private let severity: NativeMessages.Severity

    /// Longer lines are cut: a message is never this long.
    static let maxLine = 1024

    private init(library: String, category: String, severity: NativeMessages.Severity) {
        self.library = library
        self.category = category
        self.severity = severity
    }

    /// Reads `stream` to its end (or until it fails, which ends it the same way).
    static func read(
        _ stream: SubprocessOutputSequence,
        library: String,
        category: String,
        severity: NativeMessages.Severity
    ) async -> OutputLines {
        var lines = OutputLines(library: library, category: category, severity: severity)
        do {
            for try await chunk in stream {
                chunk.withUnsafeBytes { lines.consume($0) }
            }
        } catch {}
        lines.endLine()
        return lines
    }

    private mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        tail.append(contentsOf: bytes)
        if tail.count > 2 * ChildProcess.keptOutput { tail.removeFirst(tail.count - ChildProcess.keptOutput) }
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                endLine()
            } else if line.count < Self.maxLine {
                line.append(byte)
            }
        }
    }

    private mutating func endLine() {
        defer { line.removeAll(keepingCapacity: true) }
        guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\t") }) else { return }
        messages.record(library: library, category: category, severity: severity, text: String(decoding: line, as: UTF8.self))
    }
}
