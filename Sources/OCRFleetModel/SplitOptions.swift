/// Cut the document into sections of consecutive pages with the same page label
/// (`options.split`); needs `options.classify`, whose page labels it reads.
public struct SplitOptions: Codable, Sendable, Equatable {
    /// With `options.extract`: extract each section on its own, one set of values per section
    /// (a bundle of invoices gives each invoice's fields), instead of once for the document.
    public var extractEach: Bool

    public init(extractEach: Bool = false) {
        self.extractEach = extractEach
    }

    enum CodingKeys: String, CodingKey {
        case extractEach = "extract_each"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        extractEach = try c.decodeIfPresent(Bool.self, forKey: .extractEach) ?? false
    }
}
