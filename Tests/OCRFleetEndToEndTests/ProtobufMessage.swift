/// One protobuf message split into its fields (wire format only: numbers and raw values),
/// enough to read what an OTLP exporter sends without the schema's generated types.
struct ProtobufMessage: Sendable {
    enum Value: Sendable {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes(ArraySlice<UInt8>)
    }

    struct Malformed: Error, CustomStringConvertible {
        var description: String { "malformed protobuf message" }
    }

    let fields: [(number: Int, value: Value)]

    init(_ bytes: ArraySlice<UInt8>) throws {
        var fields: [(number: Int, value: Value)] = []
        var rest = bytes
        while !rest.isEmpty {
            let tag = try Self.varint(&rest)
            let number = Int(tag >> 3)
            switch tag & 7 {
            case 0: fields.append((number, .varint(try Self.varint(&rest))))
            case 1: fields.append((number, .fixed64(try Self.fixed(&rest, bytes: 8))))
            case 2:
                let length = Int(try Self.varint(&rest))
                guard length <= rest.count else { throw Malformed() }
                fields.append((number, .bytes(rest.prefix(length))))
                rest = rest.dropFirst(length)
            case 5: fields.append((number, .fixed32(UInt32(try Self.fixed(&rest, bytes: 4)))))
            default: throw Malformed()
            }
        }
        self.fields = fields
    }

    func has(_ number: Int) -> Bool { fields.contains { $0.number == number } }

    /// The embedded messages of a repeated or singular message field.
    func messages(_ number: Int) throws -> [ProtobufMessage] {
        try fields.filter { $0.number == number }.compactMap { field in
            guard case .bytes(let bytes) = field.value else { return nil }
            return try ProtobufMessage(bytes)
        }
    }

    func bytes(_ number: Int) -> ArraySlice<UInt8> {
        for field in fields where field.number == number { if case .bytes(let bytes) = field.value { return bytes } }
        return []
    }

    func string(_ number: Int) -> String { String(decoding: bytes(number), as: UTF8.self) }

    func varint(_ number: Int) -> UInt64 {
        for field in fields where field.number == number { if case .varint(let value) = field.value { return value } }
        return 0
    }

    func double(_ number: Int) -> Double {
        for field in fields where field.number == number { if case .fixed64(let bits) = field.value { return Double(bitPattern: bits) } }
        return 0
    }

    static func varint(_ bytes: inout ArraySlice<UInt8>) throws -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 7) {
            guard let byte = bytes.popFirst() else { throw Malformed() }
            value |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte & 0x80 == 0 { return value }
        }
        throw Malformed()
    }

    /// A little-endian fixed-width value.
    static func fixed(_ bytes: inout ArraySlice<UInt8>, bytes count: Int) throws -> UInt64 {
        guard bytes.count >= count else { throw Malformed() }
        var value: UInt64 = 0
        for (index, byte) in bytes.prefix(count).enumerated() { value |= UInt64(byte) << UInt64(8 * index) }
        bytes = bytes.dropFirst(count)
        return value
    }
}
