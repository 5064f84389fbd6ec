import Foundation
import OCRFleetModel

/// Where an anomaly rule (`ReviewRule`) fires on a document's values. A rule's `field` may hold
/// `*` tokens, each standing for every element of the array there; the pointers it compares
/// with (`not_after`, `not_before`) take the same elements for their own `*`s. A rule whose
/// field, or the field it compares with, is missing, null or of a kind it cannot compare does
/// not fire.
public enum ReviewRuleEvaluation {
    /// One place a rule fired: the field's concrete pointer, its value, and what is wrong.
    public struct Firing: Sendable, Equatable {
        public var pointer: String
        public var value: JSONValue
        public var message: String

        public init(pointer: String, value: JSONValue, message: String) {
            self.pointer = pointer
            self.value = value
            self.message = message
        }
    }

    /// Every place in `values` where `rule` fires, in document order; a place with several
    /// checks failing has them all in its message.
    public static func firings(of rule: ReviewRule, in values: JSONValue) -> [Firing] {
        guard let fieldTokens = tokens(of: rule.field) else { return [] }
        let pattern = rule.compiledPattern
        var firings: [Firing] = []
        for place in expand(fieldTokens[...], in: values, at: "", elements: []) where place.value != .null {
            var problems: [String] = []
            if let pattern, let text = text(of: place.value), !pattern.isFound(in: text) {
                problems.append("\(place.pointer) is \(described(place.value)), which does not match the pattern \(pattern.source)")
            }
            if case .number(let number) = place.value {
                if let minimum = rule.minimum, number < minimum {
                    problems.append("\(place.pointer) is \(described(place.value)), under the minimum \(described(.number(minimum)))")
                }
                if let maximum = rule.maximum, number > maximum {
                    problems.append("\(place.pointer) is \(described(place.value)), over the maximum \(described(.number(maximum)))")
                }
            }
            for (other, after) in [(rule.notAfter, true), (rule.notBefore, false)] {
                guard let other, let otherTokens = tokens(of: other),
                    let otherPointer = substituting(otherTokens, with: place.elements),
                    let otherValue = value(at: otherPointer.tokens[...], in: values),
                    let order = compare(place.value, otherValue)
                else { continue }
                if after, order > 0 {
                    problems.append("\(place.pointer) is \(described(place.value)), after \(otherPointer.pointer) \(described(otherValue))")
                }
                if !after, order < 0 {
                    problems.append("\(place.pointer) is \(described(place.value)), before \(otherPointer.pointer) \(described(otherValue))")
                }
            }
            if !problems.isEmpty {
                firings.append(Firing(pointer: place.pointer, value: place.value, message: problems.joined(separator: "; ")))
            }
        }
        return firings
    }

    /// A place a pointer with `*`s names: its concrete pointer, its value, and the array
    /// elements its `*`s took, in order.
    struct Place {
        var pointer: String
        var value: JSONValue
        var elements: [Int]
    }

    static func expand(_ tokens: ArraySlice<String>, in value: JSONValue, at pointer: String, elements: [Int]) -> [Place] {
        guard let token = tokens.first else { return [Place(pointer: pointer, value: value, elements: elements)] }
        let rest = tokens.dropFirst()
        switch value {
        case .object(let members):
            guard let member = members[token] else { return [] }
            return expand(rest, in: member, at: JSONPointer.appending(token, to: pointer), elements: elements)
        case .array(let items):
            if token == "*" {
                return items.enumerated().flatMap { index, item in
                    expand(rest, in: item, at: JSONPointer.appending(index, to: pointer), elements: elements + [index])
                }
            }
            guard let index = arrayIndex(token), items.indices.contains(index) else { return [] }
            return expand(rest, in: items[index], at: JSONPointer.appending(index, to: pointer), elements: elements)
        default:
            return []
        }
    }

    /// The value at a pointer's (unescaped) tokens; nil when there is none.
    public static func value(at tokens: ArraySlice<String>, in value: JSONValue) -> JSONValue? {
        guard let token = tokens.first else { return value }
        switch value {
        case .object(let members):
            return members[token].flatMap { Self.value(at: tokens.dropFirst(), in: $0) }
        case .array(let items):
            guard let index = arrayIndex(token), items.indices.contains(index) else { return nil }
            return Self.value(at: tokens.dropFirst(), in: items[index])
        default:
            return nil
        }
    }

    /// A pointer's reference tokens, `~1` and `~0` unescaped; nil for a string that is not a
    /// pointer to a member.
    public static func tokens(of pointer: String) -> [String]? {
        guard pointer.hasPrefix("/") else { return nil }
        return pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    /// `tokens` with their `*`s replaced by `elements` in order; nil when there are more `*`s
    /// than elements.
    static func substituting(_ tokens: [String], with elements: [Int]) -> (tokens: [String], pointer: String)? {
        var remaining = elements[...]
        var concrete: [String] = []
        for token in tokens {
            guard token == "*" else {
                concrete.append(token)
                continue
            }
            guard let element = remaining.popFirst() else { return nil }
            concrete.append(String(element))
        }
        return (concrete, concrete.reduce("") { JSONPointer.appending($1, to: $0) })
    }

    static func arrayIndex(_ token: String) -> Int? {
        guard token == "0" || (token.first != "0" && token.allSatisfy(\.isASCII)) else { return nil }
        return Int(token)
    }

    /// The order of two numbers, or of two ISO dates (a date-time by its date); nil for
    /// anything else.
    static func compare(_ left: JSONValue, _ right: JSONValue) -> Int? {
        switch (left, right) {
        case (.number(let a), .number(let b)):
            return a < b ? -1 : a > b ? 1 : 0
        case (.string(let a), .string(let b)):
            guard let a = isoDate(a), let b = isoDate(b) else { return nil }
            return a < b ? -1 : a > b ? 1 : 0
        default:
            return nil
        }
    }

    /// The `YYYY-MM-DD` a date or date-time starts with, when it is a valid date.
    static func isoDate(_ text: String) -> String? {
        let date = String(text.prefix(10))
        guard FormatCheck.isDate(date), text.count == 10 || text.dropFirst(10).first == "T" || text.dropFirst(10).first == "t"
        else { return nil }
        return date
    }

    /// A value as a pattern reads it: strings as they are, numbers and booleans as JSON writes them.
    static func text(of value: JSONValue) -> String? {
        switch value {
        case .string(let string): string
        case .number, .bool: described(value)
        default: nil
        }
    }

    /// A value in a message: numbers without a needless fraction, strings as they are.
    public static func described(_ value: JSONValue) -> String {
        switch value {
        case .number(let number):
            number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
        case .string(let string): string
        case .bool(let bool): String(bool)
        case .null: "null"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
