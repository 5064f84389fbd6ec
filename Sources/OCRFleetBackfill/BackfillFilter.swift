import Foundation

/// Which documents a backfill submits. Every condition set must hold.
public struct BackfillFilter: Sendable {
    /// Content types, exact (`application/pdf`) or by family (`image/*`); empty: any.
    public var contentTypes: [String] = []
    public var minSize: Int?
    public var maxSize: Int?
    public var modifiedAfter: Date?
    public var modifiedBefore: Date?
    /// Metadata every document must carry (`tenant=acme`); for S3 sources read from the
    /// object's `x-amz-meta-*` headers, one HEAD request a document.
    public var metadata: [String: String] = [:]

    public init() {}

    /// Why the document is left out, or nil when it passes everything but the metadata test.
    public func rejection(of document: BackfillDocument) -> String? {
        if !contentTypes.isEmpty {
            guard let type = document.contentType?.lowercased() else { return "content type unknown" }
            let matches = contentTypes.contains { wanted in
                wanted.hasSuffix("/*") ? type.hasPrefix(wanted.dropLast()) : type == wanted.lowercased()
            }
            if !matches { return "content type \(type)" }
        }
        if let minSize, let size = document.size, size < minSize { return "smaller than \(minSize) bytes" }
        if let maxSize, let size = document.size, size > maxSize { return "larger than \(maxSize) bytes" }
        if let modifiedAfter, let modified = document.modified, modified <= modifiedAfter { return "modified before the window" }
        if let modifiedBefore, let modified = document.modified, modified >= modifiedBefore { return "modified after the window" }
        return nil
    }

    /// Why the metadata `found` fails the metadata test, or nil when it passes.
    public func rejection(ofMetadata found: [String: String]) -> String? {
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) where found[name] != value {
            return "metadata \(name) is \(found[name].map { "'\($0)'" } ?? "unset"), not '\(value)'"
        }
        return nil
    }
}
