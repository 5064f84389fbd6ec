import Foundation
import OCRFleetAPI
import OCRFleetModel
import OpenAPIRuntime

/// How the generated server writes JSON: as the gateway always has (sorted keys, slashes
/// unescaped, RFC 3339 times with fractions), so answers stay byte-for-byte what they were.
enum APIJSON {
    static let configuration = Configuration(
        dateTranscoder: TimestampTranscoder(),
        jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]
    )

    /// `value` as another type of the same JSON: a model type of the bus contract as the
    /// document's generated type, or back. Both describe one wire format; the model decides
    /// validity (a bad page range, a job id), so a mismatch is a refused request.
    static func convert<T: Decodable>(_ value: some Encodable, to type: T.Type) throws -> T {
        try CloudEventCoding.decoder().decode(type, from: CloudEventCoding.encoder().encode(value))
    }
}

/// Dates as the fleet writes them everywhere (`Timestamp`).
struct TimestampTranscoder: DateTranscoder {
    func encode(_ date: Date) throws -> String { Timestamp.format(date) }

    func decode(_ text: String) throws -> Date {
        guard let date = Timestamp.parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not an RFC 3339 timestamp: \(text)"))
        }
        return date
    }
}

extension Components.Schemas.Phase {
    init(_ phase: JobState.Phase) {
        switch phase {
        case .queued: self = .queued
        case .running: self = .running
        case .retrying: self = .retrying
        case .completed: self = .completed
        case .failed: self = .failed
        // Never shown: every route but a purge answers 404 for a purged job.
        case .cancelled, .purged: self = .cancelled
        }
    }
}

extension JobState.Phase {
    init(_ phase: Components.Schemas.Phase) {
        switch phase {
        case .queued: self = .queued
        case .running: self = .running
        case .retrying: self = .retrying
        case .completed: self = .completed
        case .failed: self = .failed
        case .cancelled: self = .cancelled
        }
    }
}

extension Components.Schemas.Accepted {
    /// The answer to a submission, cancel or retry: the job's state when it was accepted and
    /// where to follow it.
    init(jobID: String, state: JobState.Phase, base: String) {
        self.init(
            jobId: jobID,
            state: .init(state),
            statusUrl: "\(base)/v1/jobs/\(jobID)",
            resultUrl: "\(base)/v1/jobs/\(jobID)/result"
        )
    }
}
