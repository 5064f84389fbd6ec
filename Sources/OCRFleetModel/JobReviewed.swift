/// The `reviewed` event's own fields: a job's review finished and its corrected
/// `extraction.json` was stored as a new version. It follows `completed` and does not end the job.
public struct JobReviewed: Codable, Sendable, Equatable {
    /// The new version (2 after the first review).
    public var version: Int
    public var items: Int
    public var confirmed: Int
    public var corrected: Int
    public var rejected: Int
    /// Where the version was stored, without query string.
    public var extraction: ResultSummary

    public init(version: Int, items: Int, confirmed: Int, corrected: Int, rejected: Int, extraction: ResultSummary) {
        self.version = version
        self.items = items
        self.confirmed = confirmed
        self.corrected = corrected
        self.rejected = rejected
        self.extraction = extraction
    }

    /// The `Nats-Msg-Id` of a version's `reviewed` event, so a repeated publish is dropped.
    public static func messageID(jobID: String, version: Int) -> String { "reviewed-\(jobID)-v\(version)" }
}
