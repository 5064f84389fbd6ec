import Foundation
import OCRFleetEngines

/// DeepSeek-OCR's answer to `<|grounding|>Convert the document to markdown.`: blocks of
/// markdown, each introduced by `<|ref|>TYPE<|/ref|><|det|>[[x1, y1, x2, y2]]<|/det|>` with
/// coordinates on a 0-999 grid over the image. Turned into clean markdown and layout blocks
/// with boxes in the pixels of the image that was sent.
public enum GroundedMarkdown {
    static let endOfSentence = "<｜end▁of▁sentence｜>"

    public static func parse(_ answer: String, width: Int, height: Int) -> (markdown: String, blocks: [LayoutBlock]) {
        var text = answer.replacingOccurrences(of: endOfSentence, with: "")
        // The same clean-up as DeepSeek-OCR's own PDF script.
        text = text.replacingOccurrences(of: "\\coloneqq", with: ":=").replacingOccurrences(of: "\\eqqcolon", with: "=:")

        var blocks: [LayoutBlock] = []
        var markdown: [Substring] = []
        var rest = Substring(text)
        var pending: (type: String, boxes: [[Int]])?

        func flush(_ body: Substring) {
            let trimmed = body.trimmingCharacters(in: .whitespacesAndNewlines)
            if let block = pending {
                for box in block.boxes {
                    blocks.append(LayoutBlock(type: block.type, box: scale(box, width: width, height: height), text: trimmed))
                }
            }
            // Figures carry no text; the layout keeps their place.
            if !trimmed.isEmpty, pending?.type != "image" { markdown.append(Substring(trimmed)) }
        }

        while let open = rest.range(of: "<|ref|>") {
            flush(rest[..<open.lowerBound])
            rest = rest[open.upperBound...]
            guard let close = rest.range(of: "<|/ref|>") else {
                pending = nil
                break
            }
            let type = String(rest[..<close.lowerBound]).trimmingCharacters(in: .whitespaces)
            rest = rest[close.upperBound...]
            var boxes: [[Int]] = []
            if rest.hasPrefix("<|det|>"), let end = rest.range(of: "<|/det|>") {
                boxes = parseBoxes(rest[rest.index(rest.startIndex, offsetBy: 7)..<end.lowerBound])
                rest = rest[end.upperBound...]
            }
            pending = (type, boxes)
        }
        flush(rest)
        let joined = markdown.joined(separator: "\n\n")
        return (collapseBlankLines(joined), blocks)
    }

    /// `[[x1, y1, x2, y2], ...]` on the 0-999 grid; malformed boxes are skipped.
    static func parseBoxes(_ text: Substring) -> [[Int]] {
        let numbers = text.split(whereSeparator: { !$0.isNumber && $0 != "-" }).compactMap { Int($0) }
        guard numbers.count >= 4 else { return [] }
        return stride(from: 0, to: numbers.count - 3, by: 4).map { Array(numbers[$0..<($0 + 4)]) }
    }

    static func scale(_ box: [Int], width: Int, height: Int) -> [Int] {
        func clamp(_ value: Int) -> Int { min(max(value, 0), 999) }
        return [
            clamp(box[0]) * width / 999, clamp(box[1]) * height / 999,
            clamp(box[2]) * width / 999, clamp(box[3]) * height / 999,
        ]
    }

    static func collapseBlankLines(_ text: String) -> String {
        var result = ""
        var blank = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let isBlank = line.allSatisfy(\.isWhitespace)
            blank = isBlank ? blank + 1 : 0
            if blank > 1 { continue }
            if !result.isEmpty { result += "\n" }
            result += isBlank ? "" : line
        }
        return result.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A generation that ran into a loop repeats one line (or a few) to the end of its token
    /// budget; keeps the first three repeats of each run of identical lines.
    public static func collapseRepeats(_ text: String, keep: Int = 3) -> (text: String, collapsed: Bool) {
        var lines: [Substring] = []
        var run = 0
        var collapsed = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let last = lines.last, last == line, !line.allSatisfy(\.isWhitespace) {
                run += 1
                if run >= keep {
                    collapsed = true
                    continue
                }
            } else {
                run = 0
            }
            lines.append(line)
        }
        return (lines.joined(separator: "\n"), collapsed)
    }
}
