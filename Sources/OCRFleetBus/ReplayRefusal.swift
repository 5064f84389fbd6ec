import OCRFleetModel

/// Why a dead letter was not replayed. The letter is kept either way.
public enum ReplayRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The original was not a JSON job, so it cannot become one.
    case notAJob(sequence: UInt64)
    /// The job is no longer failed: another replay, or a new submission, came first.
    case jobNotFailed(jobID: String, state: JobState.Phase)

    public var description: String {
        switch self {
        case .notAJob(let sequence):
            "dead letter \(sequence) holds no JSON job (the original was not JSON); it is kept"
        case .jobNotFailed(let jobID, let state):
            "job \(jobID) is \(state.rawValue), not failed (replayed already, or submitted again); its dead letter is kept"
        }
    }
}
