/// How a job's markdown is cut into chunks for retrieval (`options.chunk`).
public struct ChunkingOptions: Codable, Sendable, Equatable {
    /// Where chunks begin and end.
    public enum Strategy: String, Codable, Sendable, CaseIterable {
        /// One chunk per page; a page over `size` is split further.
        case page
        /// One chunk per markdown section under its heading path; tiny sections joined.
        case heading
        /// Windows of `size` tokens over the whole document, `overlap` tokens shared.
        case tokens
    }

    public static let sizes = 16...8192

    public var strategy: Strategy
    /// Most tokens in a chunk (`ApproximateTokens`).
    public var size: Int
    /// Tokens a split chunk repeats from the end of the one before it.
    public var overlap: Int

    public init(strategy: Strategy = .heading, size: Int = 512, overlap: Int = 64) {
        self.strategy = strategy
        self.size = size
        self.overlap = overlap
    }

    enum CodingKeys: String, CodingKey {
        case strategy, size, overlap
    }

    /// Every field is optional on the wire, as in the job's other options.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ChunkingOptions()
        strategy = try c.decodeIfPresent(Strategy.self, forKey: .strategy) ?? defaults.strategy
        size = try c.decodeIfPresent(Int.self, forKey: .size) ?? defaults.size
        overlap = try c.decodeIfPresent(Int.self, forKey: .overlap) ?? defaults.overlap
    }

    /// The first value out of range: its field in the job and what is wrong with it; nil when
    /// every value is in range.
    public var problem: (field: String, message: String)? {
        guard Self.sizes.contains(size) else {
            return (
                "options.chunk.size",
                "options.chunk.size must be \(Self.sizes.lowerBound)-\(Self.sizes.upperBound) tokens, not \(size)"
            )
        }
        // At most half a window: each window then moves on by half its size or more, so the
        // chunks' text is at most twice the document's.
        guard overlap >= 0, overlap <= size / 2 else {
            return (
                "options.chunk.overlap",
                "options.chunk.overlap must be 0 to half of options.chunk.size (\(size / 2)), not \(overlap)"
            )
        }
        return nil
    }

    /// Fails as `invalid_job` naming the field when a value is out of range.
    public func validate() throws(OCRError) {
        if let problem { throw OCRError(.invalidJob, problem.message) }
    }
}
