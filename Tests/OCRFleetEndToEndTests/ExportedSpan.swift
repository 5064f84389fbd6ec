/// A span as an OTLP/HTTP exporter sends it (`ExportTraceServiceRequest` in protobuf), read
/// field by field from the wire format: swift-otel's generated message types are not public.
struct ExportedSpan: Sendable {
    var service: String
    var traceID: String
    var spanID: String
    /// Empty for a trace's first span.
    var parentSpanID: String
    var name: String
    /// OTLP's numbers: 2 server, 3 client, 5 consumer.
    var kind: Int
    /// Values as text: strings as they are, numbers and flags written out.
    var attributes: [String: String]

    /// Every span of one export request.
    static func decode(_ request: [UInt8]) throws -> [ExportedSpan] {
        var spans: [ExportedSpan] = []
        for resourceSpans in try ProtobufMessage(request[...]).messages(1) {
            let resource = try resourceSpans.messages(1).first
            let service = try resource.map { try Self.attributes($0)["service.name"] } ?? nil
            for scopeSpans in try resourceSpans.messages(2) {
                for span in try scopeSpans.messages(2) {
                    spans.append(
                        ExportedSpan(
                            service: service ?? "",
                            traceID: Self.hex(span.bytes(1)),
                            spanID: Self.hex(span.bytes(2)),
                            parentSpanID: Self.hex(span.bytes(4)),
                            name: span.string(5),
                            kind: Int(span.varint(6)),
                            attributes: try Self.attributes(span, field: 9)
                        )
                    )
                }
            }
        }
        return spans
    }

    /// `KeyValue`s (key 1, `AnyValue` 2: string 1, bool 2, int 3, double 4).
    static func attributes(_ message: ProtobufMessage, field: Int = 1) throws -> [String: String] {
        var attributes: [String: String] = [:]
        for pair in try message.messages(field) {
            guard let value = try pair.messages(2).first else { continue }
            attributes[pair.string(1)] = text(value)
        }
        return attributes
    }

    static func text(_ value: ProtobufMessage) -> String {
        if value.has(1) { return value.string(1) }
        if value.has(2) { return "\(value.varint(2) != 0)" }
        if value.has(3) { return "\(Int64(bitPattern: value.varint(3)))" }
        return "\(value.double(4))"
    }

    static func hex(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
        }.joined()
    }
}
