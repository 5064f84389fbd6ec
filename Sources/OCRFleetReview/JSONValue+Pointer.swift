import Foundation
import OCRFleetModel

extension JSONValue {
    /// The tokens of a JSON pointer (RFC 6901), unescaped; nil for one that does not start with `/`.
    static func tokens(of pointer: String) -> [String]? {
        guard pointer.hasPrefix("/") else { return pointer.isEmpty ? [] : nil }
        return pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    /// The value at `pointer`; nil when there is none.
    func value(at pointer: String) -> JSONValue? {
        guard let tokens = Self.tokens(of: pointer) else { return nil }
        var current = self
        for token in tokens {
            switch current {
            case .object(let members):
                guard let next = members[token] else { return nil }
                current = next
            case .array(let elements):
                guard let index = Int(token), elements.indices.contains(index) else { return nil }
                current = elements[index]
            default: return nil
            }
        }
        return current
    }

    /// This value with `value` put at `pointer`: missing members are made (arrays for index
    /// tokens, filled with nulls up to the index), a scalar in the way becomes an object.
    func setting(_ pointer: String, to value: JSONValue) -> JSONValue {
        guard let tokens = Self.tokens(of: pointer) else { return self }
        return Self.set(tokens[...], in: self, to: value)
    }

    private static func set(_ tokens: ArraySlice<String>, in container: JSONValue, to value: JSONValue) -> JSONValue {
        guard let token = tokens.first else { return value }
        let rest = tokens.dropFirst()
        switch container {
        case .array(var elements):
            if let index = Int(token), index >= 0, index <= 100_000 {
                while elements.count <= index { elements.append(.null) }
                elements[index] = set(rest, in: elements[index], to: value)
                return .array(elements)
            }
            return .object([token: set(rest, in: .null, to: value)])
        case .object(var members):
            members[token] = set(rest, in: members[token] ?? .null, to: value)
            return .object(members)
        default:
            if let index = Int(token), index >= 0, index <= 100_000 {
                return set(tokens, in: .array([]), to: value)
            }
            return .object([token: set(rest, in: .null, to: value)])
        }
    }
}
