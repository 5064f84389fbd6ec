import Foundation
import OCRFleetChatAPI
import OCRFleetModel

/// A model's answer that is valid against the schema it was asked for.
public struct ModelAnswer: Sendable {
    /// The answer, parsed.
    public var value: JSONValue
    /// The answer's text as the model wrote it.
    public var content: String
    /// The generated tokens with their log-probabilities, when the server returned them.
    public var tokens: [TokenLogprob]?
    /// 1, or 2 when the first answer was invalid and the model was asked again.
    public var attempts: Int

    public init(value: JSONValue, content: String, tokens: [TokenLogprob]?, attempts: Int) {
        self.value = value
        self.content = content
        self.tokens = tokens
        self.attempts = attempts
    }

    /// The confidence of the whole answer: the geometric mean of its tokens' probabilities,
    /// exp(mean log-probability), in 0...1; nil without log-probabilities.
    public var confidence: Double? {
        guard let tokens, !tokens.isEmpty else { return nil }
        return exp(tokens.map(\.logprob).reduce(0, +) / Double(tokens.count))
    }

    /// The JSON pointer of every value in the answer, in the order the model wrote them (an
    /// object or array before its members).
    public var pointers: [String] {
        JSONSpans.locate(content).sorted { ($0.value.lowerBound, $0.value.upperBound) < ($1.value.lowerBound, $1.value.upperBound) }
            .map(\.key)
    }

    /// The confidence of the value at `pointer` (RFC 6901, `/total`): the mean of exp(logprob)
    /// over the tokens that overlap the value's text in the answer (a string's quotes
    /// included), so one unlikely token in a field lowers that field and not the others. Nil
    /// without log-probabilities or when the answer has no value there.
    public func confidence(at pointer: String) -> Double? {
        guard let tokens, let span = JSONSpans.locate(content)[pointer] else { return nil }
        var offset = 0
        var probabilities: [Double] = []
        for token in tokens {
            let length = token.bytes?.count ?? token.token.utf8.count
            let range = offset..<(offset + length)
            if range.overlaps(span) { probabilities.append(exp(token.logprob)) }
            offset += length
        }
        guard !probabilities.isEmpty else { return nil }
        return probabilities.reduce(0, +) / Double(probabilities.count)
    }
}
