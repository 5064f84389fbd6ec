/// What native code (poppler, Leptonica, Tesseract, LibreOffice) said while it read one
/// document: every message counted by library and category, the first few distinct ones
/// kept. A damaged PDF can make poppler say the same thing thousands of times, so nothing
/// here grows with the number of messages.
public struct NativeMessages: Codable, Sendable, Equatable {
    /// How much a message matters: it decides the level of the document's log line.
    public enum Severity: Int, Codable, Sendable, Comparable {
        /// Progress and facts ("convert … using filter").
        case info
        /// Something worked around, the output probably right (poppler's syntax warnings).
        case warning
        /// Something that probably changed the output, or stopped the work.
        case error

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// Messages by `library.category` ("poppler.syntax_warning").
    public private(set) var counts: [String: Int] = [:]
    /// The first distinct messages, as `library category: text`.
    public private(set) var first: [String] = []
    /// The gravest message's severity; nil when there was none.
    public private(set) var worst: Severity?

    public static let keptMessages = 5
    public static let keptLength = 200

    public init() {}

    public var isEmpty: Bool { counts.isEmpty }
    public var total: Int { counts.values.reduce(0, +) }

    /// Counts one message; keeps its text if it is among the first distinct ones.
    public mutating func record(library: String, category: String, severity: Severity, text: some StringProtocol) {
        counts["\(library).\(category)", default: 0] += 1
        worst = max(worst ?? severity, severity)
        guard first.count < Self.keptMessages else { return }
        var trimmed = Substring(String(text))
        while trimmed.first?.isWhitespace == true { trimmed.removeFirst() }
        while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
        guard !trimmed.isEmpty else { return }
        let kept = "\(library) \(category): \(trimmed.prefix(Self.keptLength))"
        if !first.contains(kept) { first.append(kept) }
    }

    /// Adds `other`'s counts, and its kept messages while there is room.
    public mutating func merge(_ other: NativeMessages) {
        counts.merge(other.counts, uniquingKeysWith: +)
        if let severity = other.worst { worst = max(worst ?? severity, severity) }
        for message in other.first where first.count < Self.keptMessages && !first.contains(message) {
            first.append(message)
        }
    }

    /// The libraries that spoke, sorted.
    public var libraries: [String] {
        Set(counts.keys.map { String($0.prefix { $0 != "." }) }).sorted()
    }

    /// `library.category=count` pairs, sorted, comma-separated: one log field.
    public var countsField: String {
        counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}
