import Foundation
import OCRFleetModel
import OCRFleetXML

/// Reads S3's XML answers: `ListBucketResult` pages and `Error` bodies.
enum S3Listing {
    static func parse(_ bytes: [UInt8]) throws -> (objects: [S3Object], next: String?) {
        let reader = try XMLReader(bytes, part: "ListObjectsV2 answer")
        var objects: [S3Object] = []
        var next: String?
        var truncated = false
        var current: S3Object?
        var text = ""
        while let node = try reader.next() {
            switch node {
            case .start(let name):
                if name == "Contents" { current = S3Object(key: "", size: 0) }
                text = ""
            case .text(let value):
                text += value
            case .end(let name):
                switch name {
                case "Contents":
                    if let object = current, !object.key.isEmpty { objects.append(object) }
                    current = nil
                case "Key": current?.key = urlDecoded(text)
                case "Size": current?.size = Int(text) ?? 0
                case "LastModified": current?.lastModified = parseDate(text)
                case "ETag": current?.etag = text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                case "NextContinuationToken": next = text
                case "IsTruncated": truncated = text == "true"
                default: break
                }
                text = ""
            }
        }
        return (objects, truncated ? next : nil)
    }

    /// `Code: Message` of an S3 error body, or nil when the body is not one.
    static func errorMessage(in body: String) -> String? {
        guard let reader = try? XMLReader(Array(body.utf8), part: "S3 error"), body.contains("<Error") else { return nil }
        var fields: [String: String] = [:]
        var text = ""
        while let node = try? reader.next() {
            switch node {
            case .start: text = ""
            case .text(let value): text += value
            case .end(let name): fields[name] = text
            }
        }
        return [fields["Code"], fields["Message"]].compactMap { $0 }.joined(separator: ": ")
    }

    /// Keys as `encoding-type=url` sends them: percent-escapes, with `+` for a space.
    static func urlDecoded(_ text: String) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? text
    }

    /// S3 writes times as ISO 8601 with milliseconds; some stores leave them out.
    static func parseDate(_ text: String) -> Date? {
        (try? precise.parse(text)) ?? (try? whole.parse(text))
    }

    private static let precise = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
    private static let whole = Date.ISO8601FormatStyle(timeZone: .gmt)
}
