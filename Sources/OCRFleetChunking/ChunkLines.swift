import Foundation

/// `chunks.jsonl`: one JSON object per chunk and line, keys sorted so records compare byte for byte.
public enum ChunkLines {
    public static func encode(_ chunks: [Chunk]) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes: [UInt8] = []
        for chunk in chunks {
            // A chunk holds strings, numbers and arrays only: encoding it cannot fail.
            guard let line = try? encoder.encode(chunk) else { continue }
            bytes.append(contentsOf: line)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }
}
