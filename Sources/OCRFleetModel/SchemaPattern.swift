import Foundation

/// A schema's `pattern`, compiled once when the schema is parsed.
///
/// NSRegularExpression has no time limit, so its cost is bounded by what it is given: a
/// pattern of at most `maxPatternLength` characters, matched against strings of at most
/// `maxCheckedLength` Unicode scalars (a longer string is a violation, not checked).
public struct SchemaPattern: @unchecked Sendable {  // NSRegularExpression is immutable and safe to share.
    public static let maxPatternLength = 1000
    public static let maxCheckedLength = 10_000

    public let source: String
    let expression: NSRegularExpression

    public init?(_ source: String) {
        guard let expression = try? NSRegularExpression(pattern: source) else { return nil }
        self.source = source
        self.expression = expression
    }

    /// Whether the pattern is found anywhere in `string`.
    public func isFound(in string: String) -> Bool {
        expression.firstMatch(in: string, range: NSRange(string.startIndex..., in: string)) != nil
    }
}
