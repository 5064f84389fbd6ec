import Foundation
import OCRFleetChatAPI
import OCRFleetLanguageModel
import OCRFleetModel

/// How the double plays an instruction model given earlier corrections as examples
/// (`ExtractionPrompt`'s `<corrections-NONCE>` block): as a model that has been shown "at this
/// field, X was read and a reviewer corrected it to Y" does, it does not repeat the mistake.
/// When the value it read at a correction's field equals the correction's `extracted` and the
/// document holds the `corrected` value (a string, case-insensitively; a number among the
/// text's numbers), it answers the corrected value, as read from the text. A correction the
/// document does not support, or one for a value it did not give, changes nothing. The
/// corrections are read only from inside their block, as JSON; anything else in them is data.
extension VLLMDouble {
    /// The examples in the user messages' corrections block; none without one.
    static func corrections(in messages: [ChatMessage]) -> [CorrectionExample] {
        for message in messages where message.role == "user" {
            let text = message.content.map(Self.text).joined()
            guard let open = text.firstMatch(of: /<(corrections-[0-9a-f]{32})>\n/) else { continue }
            let close = "\n</\(open.1)>"
            guard let end = text.range(of: close, range: open.range.upperBound..<text.endIndex) else { continue }
            return text[open.range.upperBound..<end.lowerBound].split(separator: "\n").compactMap { line in
                try? JSONDecoder().decode(CorrectionExample.self, from: Data(line.utf8))
            }
        }
        return []
    }

    /// `value` with each correction the document supports applied; their pointers join `read`.
    static func applying(
        _ corrections: [CorrectionExample],
        to value: JSONValue,
        document: String,
        read: inout Set<String>
    ) -> JSONValue {
        var value = value
        for correction in corrections {
            let tokens = Self.tokens(of: correction.field)
            guard let tokens, Self.value(in: value, at: tokens[...]) == correction.extracted,
                Self.holds(document, correction.corrected),
                let replaced = Self.replacing(in: value, at: tokens[...], with: correction.corrected)
            else { continue }
            value = replaced
            read.insert(correction.field)
        }
        return value
    }

    /// Whether the document's text has `value`: a string case-insensitively, a number among
    /// the numbers written in it (`$1,234.50` holds 1234.5).
    static func holds(_ document: String, _ value: JSONValue) -> Bool {
        switch value {
        case .string(let string):
            return !string.isEmpty && document.lowercased().contains(string.lowercased())
        case .number(let number):
            return document.matches(of: /-?\d[\d.,']*\d|\d/).contains { DocumentReader.number(String($0.output)) == number }
        default:
            return false
        }
    }

    /// The pointer's reference tokens, unescaped; nil for one that is not a pointer.
    static func tokens(of pointer: String) -> [String]? {
        guard pointer.hasPrefix("/") else { return pointer.isEmpty ? [] : nil }
        return pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func value(in value: JSONValue, at tokens: ArraySlice<String>) -> JSONValue? {
        guard let token = tokens.first else { return value }
        switch value {
        case .object(let members): return members[token].flatMap { Self.value(in: $0, at: tokens.dropFirst()) }
        case .array(let elements):
            guard let index = Int(token), elements.indices.contains(index) else { return nil }
            return Self.value(in: elements[index], at: tokens.dropFirst())
        default: return nil
        }
    }

    static func replacing(in value: JSONValue, at tokens: ArraySlice<String>, with new: JSONValue) -> JSONValue? {
        guard let token = tokens.first else { return new }
        switch value {
        case .object(var members):
            guard let member = members[token], let replaced = replacing(in: member, at: tokens.dropFirst(), with: new) else { return nil }
            members[token] = replaced
            return .object(members)
        case .array(var elements):
            guard let index = Int(token), elements.indices.contains(index),
                let replaced = replacing(in: elements[index], at: tokens.dropFirst(), with: new)
            else { return nil }
            elements[index] = replaced
            return .array(elements)
        default:
            return nil
        }
    }
}
