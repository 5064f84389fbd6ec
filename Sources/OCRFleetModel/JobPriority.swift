/// The lane a job waits in. Workers take interactive jobs first and still give batch jobs a
/// share of their pulls, so a backfill never starves and never holds up a person waiting.
public enum JobPriority: String, Codable, Sendable, CaseIterable {
    /// Someone is waiting for the result: uploads through the gateway, `ocrctl submit`.
    case interactive
    /// Nobody is waiting: backfills, dead-letter replays, bulk submissions.
    case batch
}
