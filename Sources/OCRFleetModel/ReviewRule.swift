/// An anomaly check on one field of the extracted values (`options.review.rules`): a pattern
/// the value must match, a range it must lie in, or another field it must not come after or
/// before. A rule whose field (or the field it compares with) is missing or null does not fire.
public struct ReviewRule: Codable, Sendable, Equatable {
    public static let maxNameLength = 64

    /// 1-64 characters, unique in the job; the item's `rule`.
    public var name: String
    /// Applies only to documents (or sections) with this label; nil: to all.
    public var label: String?
    /// A JSON pointer into the values; a `*` token stands for every element of an array
    /// (`/lines/*/amount`).
    public var field: String
    /// The value (as text) must contain a match (the schema subset's `pattern`, ICU syntax).
    public var pattern: String?
    public var minimum: Double?
    public var maximum: Double?
    /// Pointers to the field's value must not lie after (before); ISO dates or numbers are
    /// compared. A `*` in them takes the same element as the `*` in `field`.
    public var notAfter: String?
    public var notBefore: String?

    public init(
        name: String,
        label: String? = nil,
        field: String,
        pattern: String? = nil,
        minimum: Double? = nil,
        maximum: Double? = nil,
        notAfter: String? = nil,
        notBefore: String? = nil
    ) {
        self.name = name
        self.label = label
        self.field = field
        self.pattern = pattern
        self.minimum = minimum
        self.maximum = maximum
        self.notAfter = notAfter
        self.notBefore = notBefore
    }

    enum CodingKeys: String, CodingKey {
        case name, label, field, pattern, minimum, maximum
        case notAfter = "not_after"
        case notBefore = "not_before"
    }

    /// The compiled `pattern`; nil without one (validation refuses one that does not compile).
    public var compiledPattern: SchemaPattern? { pattern.flatMap(SchemaPattern.init) }

    /// Fails as `invalid_job` naming `field` (`options.review.rules[2]`) and the member at fault.
    public func validate(at field: String) throws(OCRError) {
        guard (1...Self.maxNameLength).contains(name.unicodeScalars.count),
            name.allSatisfy({ !$0.isNewline && $0 != "\u{0}" })
        else {
            throw OCRError(.invalidJob, "\(field).name must be 1-\(Self.maxNameLength) characters on one line")
        }
        if let label, label.isEmpty {
            throw OCRError(.invalidJob, "\(field).label must not be empty")
        }
        let pointers = [("field", Optional(self.field)), ("not_after", notAfter), ("not_before", notBefore)]
        for case (let member, let pointer?) in pointers where !Self.isValidPointer(pointer) {
            throw OCRError(
                .invalidJob,
                "\(field).\(member) '\(pointer)' is not a JSON pointer to a value (such as /total or /lines/*/amount)"
            )
        }
        if let pattern {
            guard pattern.unicodeScalars.count <= SchemaPattern.maxPatternLength else {
                throw OCRError(.invalidJob, "\(field).pattern is over \(SchemaPattern.maxPatternLength) characters")
            }
            guard SchemaPattern(pattern) != nil else {
                throw OCRError(.invalidJob, "\(field).pattern is not a valid regular expression")
            }
        }
        if let minimum, let maximum, minimum > maximum {
            throw OCRError(.invalidJob, "\(field).minimum \(minimum) is over its maximum \(maximum)")
        }
        guard pattern != nil || minimum != nil || maximum != nil || notAfter != nil || notBefore != nil else {
            throw OCRError(.invalidJob, "\(field) checks nothing: give pattern, minimum, maximum, not_after or not_before")
        }
    }

    /// A pointer to a member (not the whole document): `/` then tokens whose `~` escapes are
    /// `~0` or `~1`.
    static func isValidPointer(_ pointer: String) -> Bool {
        guard pointer.hasPrefix("/"), pointer.utf8.count <= 1000 else { return false }
        var scalars = pointer.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            if scalar == "~" {
                guard let next = scalars.next(), next == "0" || next == "1" else { return false }
            }
        }
        return true
    }
}
