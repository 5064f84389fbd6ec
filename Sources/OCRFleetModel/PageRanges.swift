import Foundation

/// 1-based page ranges such as `1-3,7,10-`. An open end means "to the last page".
public struct PageRanges: Codable, Sendable, Equatable, CustomStringConvertible {
    public struct Span: Sendable, Equatable {
        public var first: Int
        public var last: Int?
    }

    public var spans: [Span]

    public init(parsing text: String) throws(OCRError) {
        var spans: [Span] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = part.trimmingCharacters(in: .whitespaces)
            let bounds = item.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            guard let first = Int(bounds[0]), first >= 1 else {
                throw OCRError(.invalidJob, "bad page range '\(text)': '\(item)' does not start with a page number ≥ 1")
            }
            if bounds.count == 1 {
                spans.append(Span(first: first, last: first))
            } else if bounds[1].isEmpty {
                spans.append(Span(first: first, last: nil))
            } else {
                guard let last = Int(bounds[1]), last >= first else {
                    throw OCRError(.invalidJob, "bad page range '\(text)': '\(item)' does not end at a page ≥ \(first)")
                }
                spans.append(Span(first: first, last: last))
            }
        }
        self.spans = spans
    }

    /// The 0-based page indexes selected in a document of `pageCount` pages, in document
    /// order without repeats. A range that starts past the end is an `invalid_job`.
    public func indexes(pageCount: Int) throws(OCRError) -> [Int] {
        var selected = Set<Int>()
        for span in spans {
            guard span.first <= pageCount else {
                throw OCRError(.invalidJob, "page range '\(self)' starts past the last page (\(pageCount))")
            }
            let last = min(span.last ?? pageCount, pageCount)
            selected.formUnion((span.first - 1)..<last)
        }
        return selected.sorted()
    }

    public var description: String {
        spans.map { span in
            switch span.last {
            case nil: "\(span.first)-"
            case span.first?: "\(span.first)"
            case let last?: "\(span.first)-\(last)"
            }
        }.joined(separator: ",")
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
