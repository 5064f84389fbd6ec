import Foundation
import OCRFleetModel
import OpenAPIRuntime

/// The fleet's timestamps (`Timestamp`): RFC 3339 with fractional seconds, which the runtime's
/// default ISO 8601 transcoder refuses.
struct TimestampTranscoder: DateTranscoder {
    struct Invalid: Error, CustomStringConvertible {
        let text: String
        var description: String { "not an RFC 3339 timestamp: \(text)" }
    }

    func encode(_ date: Date) -> String { Timestamp.format(date) }

    func decode(_ text: String) throws -> Date {
        guard let date = Timestamp.parse(text) else { throw Invalid(text: text) }
        return date
    }
}
