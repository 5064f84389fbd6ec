import Foundation
import OCRFleetModel

/// Where each value of a JSON text lies, by the JSON pointer of the value: the byte range of
/// its UTF-8 text (a string's with its quotes). Used to find the tokens a model generated for a
/// field. Reads only well-formed JSON (the answer already parsed); stops at anything else.
enum JSONSpans {
    static func locate(_ text: String) -> [String: Range<Int>] {
        var scanner = Scanner(bytes: Array(text.utf8))
        var spans: [String: Range<Int>] = [:]
        scanner.skipSpace()
        _ = scanner.value(at: "", depth: 0, into: &spans)
        return spans
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        /// Reads one value starting at `index`; false on malformed input.
        mutating func value(at pointer: String, depth: Int, into spans: inout [String: Range<Int>]) -> Bool {
            guard index < bytes.count, depth < 256 else { return false }
            let start = index
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    break
                }
                while true {
                    skipSpace()
                    let keyStart = index
                    guard string() else { return false }
                    guard let name = try? JSONDecoder().decode(String.self, from: Data(bytes[keyStart..<index])) else {
                        return false
                    }
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return false }
                    index += 1
                    skipSpace()
                    guard value(at: JSONPointer.appending(name, to: pointer), depth: depth + 1, into: &spans) else { return false }
                    skipSpace()
                    guard index < bytes.count else { return false }
                    if bytes[index] == UInt8(ascii: ",") {
                        index += 1
                    } else if bytes[index] == UInt8(ascii: "}") {
                        index += 1
                        break
                    } else {
                        return false
                    }
                }
            case UInt8(ascii: "["):
                index += 1
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    break
                }
                var position = 0
                while true {
                    skipSpace()
                    guard value(at: JSONPointer.appending(position, to: pointer), depth: depth + 1, into: &spans) else { return false }
                    position += 1
                    skipSpace()
                    guard index < bytes.count else { return false }
                    if bytes[index] == UInt8(ascii: ",") {
                        index += 1
                    } else if bytes[index] == UInt8(ascii: "]") {
                        index += 1
                        break
                    } else {
                        return false
                    }
                }
            case UInt8(ascii: "\""):
                guard string() else { return false }
            default:
                // A number, true, false or null: up to the next delimiter.
                while index < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) {
                    index += 1
                }
                guard index > start else { return false }
            }
            spans[pointer] = start..<index
            return true
        }

        /// Skips a string, quotes included.
        mutating func string() -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return false }
            index += 1
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\\"): index += 2
                case UInt8(ascii: "\""):
                    index += 1
                    return true
                default: index += 1
                }
            }
            return false
        }
    }
}
