extension DecodingError {
    /// The dotted path of the field at fault, e.g. `data.source.url` or `options.mode`;
    /// nil when the document itself is at fault.
    public var fieldPath: String? {
        let keys: [any CodingKey]
        switch self {
        case .keyNotFound(let key, let context): keys = context.codingPath + [key]
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            keys = context.codingPath
        @unknown default: return nil
        }
        let names = keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        return names.isEmpty ? nil : names.joined(separator: ".")
    }

    /// A short, readable account for error messages: what is wrong and where.
    public var summary: String {
        let path = fieldPath ?? "top level"
        switch self {
        case .keyNotFound: return "missing field \(path)"
        case .typeMismatch, .valueNotFound: return "wrong type at \(path)"
        case .dataCorrupted(let context): return "\(path): \(context.debugDescription)"
        @unknown default: return "\(self)"
        }
    }
}
