import Foundation

/// A CloudEvents 1.0 envelope in structured JSON mode.
public struct CloudEvent<Payload: Codable & Sendable>: Codable, Sendable {
    public var specversion: String
    public var id: String
    public var source: String
    public var type: String
    public var subject: String?
    public var time: Date?
    public var datacontenttype: String?
    /// W3C trace context extension, carried through when present.
    public var traceparent: String?
    public var data: Payload

    public init(
        id: String = UUID().uuidString.lowercased(),
        source: String,
        type: String,
        subject: String? = nil,
        time: Date = Date(),
        traceparent: String? = nil,
        data: Payload
    ) {
        self.specversion = "1.0"
        self.id = id
        self.source = source
        self.type = type
        self.subject = subject
        self.time = time
        self.datacontenttype = "application/json"
        self.traceparent = traceparent
        self.data = data
    }
}

public enum CloudEventCoding {
    public static let contentType = "application/cloudevents+json"

    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container,
                    debugDescription: "not an RFC 3339 timestamp: \(text)"
                )
            }
            return date
        }
        return decoder
    }
}

/// RFC 3339 timestamps in UTC, written with milliseconds, read with or without them.
public enum Timestamp {
    private static let precise = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
    private static let whole = Date.ISO8601FormatStyle(timeZone: .gmt)

    public static func format(_ date: Date) -> String { precise.format(date) }

    public static func parse(_ text: String) -> Date? {
        (try? precise.parse(text)) ?? (try? whole.parse(text))
    }
}
