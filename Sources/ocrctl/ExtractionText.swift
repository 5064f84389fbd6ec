import Foundation
import OCRFleetModel

/// `extraction.json` as `ocrctl` prints and writes it: indented, keys sorted, one newline at the end.
enum ExtractionText {
    static func json(_ document: ExtractionDocument) throws -> Data {
        let encoder = CloudEventCoding.encoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(document) + Data("\n".utf8)
    }
}
