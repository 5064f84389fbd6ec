import Crypto
import Foundation
import OCRFleetModel

/// The review items of a job's extraction (docs/review.md#worker): which fields and pages go
/// to a person, and why. A pure function of the extraction document, `options.review`, the
/// pages and the uploaded markdown, so a retried attempt plans the same items with the same ids.
///
/// - `low_confidence`: a filled field whose confidence is under its label's threshold.
/// - `validation_failed`: each violation of an extraction that failed as `model_invalid_output`
///   (its values are not passed on, so the item's value is null), and each required field
///   that is null.
/// - `anomaly`: a rule fired (`ReviewRuleEvaluation`).
/// - `sampled`: a filled field with no other reason whose draw, the first 8 bytes of
///   SHA-256(`<job_id>\n<pointer>`) over 2^64, is under `sample_rate`.
/// - `low_confidence_page`: a page whose engine confidence is under `page_threshold`.
///
/// One item per field (per section with `extract_each`) or page, with every reason it has;
/// fields first, section by section in the extraction's field order, then pages in order.
public struct ReviewPlanner: Sendable {
    public let jobID: String
    public let tenant: String
    public let options: ReviewOptions
    /// The job's schema, for which null fields are required; nil: none are judged so.
    public let schema: JSONSchema?

    public init(jobID: String, tenant: String, options: ReviewOptions, schema: JSONSchema?) {
        self.jobID = jobID
        self.tenant = tenant
        self.options = options
        self.schema = schema
    }

    /// The items, numbered `<job_id>.1` on, all `open` and made at `createdAt`.
    public func items(
        of document: ExtractionDocument,
        pages: [ReviewPage],
        markdown: String,
        createdAt: Date
    ) -> [ReviewItem] {
        let scalars = Array(markdown.unicodeScalars)
        var drafts: [Draft] = []
        for unit in units(of: document) {
            drafts += fieldDrafts(unit)
        }
        if let pageThreshold = options.pageThreshold {
            for page in pages {
                guard let confidence = page.confidence, confidence < pageThreshold else { continue }
                let section = document.sections?.firstIndex { ($0.firstPage...$0.lastPage).contains(page.number) }
                var draft = Draft(
                    section: isPerSection(document) ? section : nil,
                    label: section.flatMap { document.sections?[$0].label } ?? document.classification?.label,
                    kind: .page,
                    pointer: nil,
                    page: page.number,
                    value: .string(page.markdown),
                    confidence: confidence / 100,
                    citation: Citation(page: page.number, box: nil, text: "", markdownRange: page.markdownRange)
                )
                draft.add(
                    .lowConfidencePage,
                    "page \(page.number) was read with confidence \(Self.number(confidence)), under the page threshold \(Self.number(pageThreshold))"
                )
                drafts.append(draft)
            }
        }
        return drafts.enumerated().map { index, draft in
            ReviewItem(
                id: ReviewItem.id(jobID: jobID, number: index + 1),
                jobID: jobID,
                tenant: tenant,
                label: draft.label,
                section: draft.section,
                kind: draft.kind,
                pointer: draft.pointer,
                page: draft.page ?? draft.citation?.page,
                value: draft.value,
                confidence: draft.confidence,
                reasons: draft.reasons,
                rule: draft.rules.first,
                message: draft.messages.joined(separator: "; "),
                citation: draft.citation,
                context: draft.citation.map { Self.context(around: $0.markdownRange, in: scalars) } ?? "",
                createdAt: createdAt
            )
        }
    }

    /// Whether `sample_rate` draws the field at `pointer`: the same answer on every attempt.
    public static func isSampled(jobID: String, pointer: String, rate: Double) -> Bool {
        guard rate > 0 else { return false }
        let digest = Array(SHA256.hash(data: Array("\(jobID)\n\(pointer)".utf8)))
        let draw = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Double(draw) / 18_446_744_073_709_551_616.0 < rate
    }

    /// Up to `ReviewItem.maxContextLength` scalars of the markdown around `range`: the range
    /// in the middle, or its start when it is longer.
    public static func context(around range: [Int], in scalars: [Unicode.Scalar]) -> String {
        guard range.count == 2 else { return "" }
        let limit = ReviewItem.maxContextLength
        let start = min(max(range[0], 0), scalars.count)
        let end = min(max(range[1], start), scalars.count)
        var from = max(0, start - max(0, limit - (end - start)) / 2)
        let to = min(scalars.count, from + limit)
        from = max(0, min(from, to - limit))
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[from..<to])
        return String(text)
    }

    /// What one extraction, of the document or of a section, is judged by.
    struct Unit {
        var section: Int?
        var label: String?
        var extraction: FieldExtraction
    }

    func isPerSection(_ document: ExtractionDocument) -> Bool {
        document.extraction == nil && (document.sections ?? []).contains { $0.extraction != nil }
    }

    func units(of document: ExtractionDocument) -> [Unit] {
        if let extraction = document.extraction {
            return [Unit(section: nil, label: document.classification?.label, extraction: extraction)]
        }
        return (document.sections ?? []).enumerated().compactMap { index, section in
            section.extraction.map { Unit(section: index, label: section.label, extraction: $0) }
        }
    }

    /// The field items of one extraction, in its field order (an invalid answer's violations
    /// in their order).
    func fieldDrafts(_ unit: Unit) -> [Draft] {
        let extraction = unit.extraction
        var drafts: [Draft] = []
        var byPointer: [String: Int] = [:]
        func draft(_ pointer: String, value: JSONValue, field: ExtractedField?) -> Int {
            if let index = byPointer[pointer] { return index }
            drafts.append(
                Draft(
                    section: unit.section,
                    label: unit.label,
                    kind: .field,
                    pointer: pointer,
                    page: nil,
                    value: field?.value ?? value,
                    confidence: field?.confidence,
                    citation: field?.citation
                )
            )
            byPointer[pointer] = drafts.count - 1
            return drafts.count - 1
        }
        if let error = extraction.error {
            guard error.code == .modelInvalidOutput else { return [] }
            for violation in error.violations ?? [] {
                let index = draft(violation.pointer, value: .null, field: nil)
                drafts[index].add(
                    .validationFailed,
                    "the model's answer is invalid at \(violation.pointer.isEmpty ? "the root" : violation.pointer): \(violation.message)"
                )
            }
            return drafts
        }
        let threshold = options.threshold(forLabel: unit.label)
        let fields = Dictionary(extraction.fields.map { ($0.pointer, $0) }, uniquingKeysWith: { first, _ in first })
        for field in extraction.fields {
            if field.value == .null {
                if isRequired(field.pointer) {
                    let index = draft(field.pointer, value: .null, field: field)
                    drafts[index].add(.validationFailed, "\(field.pointer) is required but null")
                }
            } else if let confidence = field.confidence, confidence < threshold {
                let index = draft(field.pointer, value: field.value, field: field)
                drafts[index].add(
                    .lowConfidence,
                    "\(field.pointer) has confidence \(Self.number(confidence)), under the threshold \(Self.number(threshold))"
                )
            }
        }
        for rule in options.rules(forLabel: unit.label) {
            for firing in ReviewRuleEvaluation.firings(of: rule, in: extraction.values ?? .null) {
                let index = draft(firing.pointer, value: firing.value, field: fields[firing.pointer])
                drafts[index].add(.anomaly, firing.message)
                drafts[index].rules.append(rule.name)
            }
        }
        for field in extraction.fields where field.value != .null && byPointer[field.pointer] == nil {
            guard Self.isSampled(jobID: jobID, pointer: field.pointer, rate: options.sampleRate) else { continue }
            let index = draft(field.pointer, value: field.value, field: field)
            drafts[index].add(.sampled, "\(field.pointer) was drawn for calibration")
        }
        // In the extraction's field order; a place no field names (none, as every value that is
        // not an object or array is a field) after them.
        let order = Dictionary(extraction.fields.enumerated().map { ($1.pointer, $0) }, uniquingKeysWith: { first, _ in first })
        return drafts.enumerated().sorted { a, b in
            (order[a.element.pointer ?? ""] ?? Int.max, a.offset) < (order[b.element.pointer ?? ""] ?? Int.max, b.offset)
        }.map(\.element)
    }

    /// Whether the schema requires the member `pointer` names in its object.
    func isRequired(_ pointer: String) -> Bool {
        guard let schema, let tokens = ReviewRuleEvaluation.tokens(of: pointer), let last = tokens.last else { return false }
        var node = schema.resolve(schema.root)
        for token in tokens.dropLast() {
            if let property = node.properties.first(where: { $0.name == token }) {
                node = schema.resolve(property.schema)
            } else if let items = node.items, ReviewRuleEvaluation.arrayIndex(token) != nil {
                node = schema.resolve(items)
            } else {
                return false
            }
        }
        return node.required.contains(last)
    }

    /// A confidence or threshold in a message: at most three decimals.
    static func number(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    /// An item being planned: its place, and the reasons found so far.
    struct Draft {
        var section: Int?
        var label: String?
        var kind: ReviewItem.Kind
        var pointer: String?
        var page: Int?
        var value: JSONValue
        var confidence: Double?
        var citation: Citation?
        var reasons: [ReviewReason] = []
        var rules: [String] = []
        var messages: [String] = []

        mutating func add(_ reason: ReviewReason, _ message: String) {
            if !reasons.contains(reason) { reasons.append(reason) }
            messages.append(message)
        }
    }
}
