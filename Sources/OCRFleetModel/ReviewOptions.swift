/// When a job's extracted values go to a person (`options.review`, docs/review.md): fields
/// under a confidence threshold, a sample of confident ones, pages the engine was unsure of,
/// and fields an anomaly rule fires on. Needs `options.extract`.
public struct ReviewOptions: Codable, Sendable, Equatable {
    public static let defaultThreshold = 0.8
    public static let defaultSampleRate = 0.05
    public static let maxRules = 100
    public static let maxLabelThresholds = 100

    /// 0-1: a filled field whose confidence is under it becomes an item.
    public var threshold: Double
    /// Per document (or section, with `extract_each`) label; overrides `threshold`.
    public var labelThresholds: [String: Double]
    /// 0-1: the share of confident fields sampled for calibration.
    public var sampleRate: Double
    /// 0-100: a page whose engine confidence is under it becomes an item; nil: pages are not judged.
    public var pageThreshold: Double?
    public var rules: [ReviewRule]

    public init(
        threshold: Double = Self.defaultThreshold,
        labelThresholds: [String: Double] = [:],
        sampleRate: Double = Self.defaultSampleRate,
        pageThreshold: Double? = nil,
        rules: [ReviewRule] = []
    ) {
        self.threshold = threshold
        self.labelThresholds = labelThresholds
        self.sampleRate = sampleRate
        self.pageThreshold = pageThreshold
        self.rules = rules
    }

    /// The threshold a field of a document or section with `label` is held to.
    public func threshold(forLabel label: String?) -> Double {
        label.flatMap { labelThresholds[$0] } ?? threshold
    }

    /// The rules that apply to a document or section with `label`.
    public func rules(forLabel label: String?) -> [ReviewRule] {
        rules.filter { $0.label == nil || $0.label == label }
    }

    enum CodingKeys: String, CodingKey {
        case threshold, rules
        case labelThresholds = "label_thresholds"
        case sampleRate = "sample_rate"
        case pageThreshold = "page_threshold"
    }

    /// Absent or null fields take their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        threshold = try c.decodeIfPresent(Double.self, forKey: .threshold) ?? Self.defaultThreshold
        labelThresholds = try c.decodeIfPresent([String: Double].self, forKey: .labelThresholds) ?? [:]
        sampleRate = try c.decodeIfPresent(Double.self, forKey: .sampleRate) ?? Self.defaultSampleRate
        pageThreshold = try c.decodeIfPresent(Double.self, forKey: .pageThreshold)
        rules = try c.decodeIfPresent([ReviewRule].self, forKey: .rules) ?? []
    }

    /// Fails as `invalid_job` naming the first field that is out of bounds.
    public func validate() throws(OCRError) {
        guard (0...1).contains(threshold) else {
            throw OCRError(.invalidJob, "options.review.threshold must be 0-1, not \(threshold)")
        }
        guard labelThresholds.count <= Self.maxLabelThresholds else {
            throw OCRError(.invalidJob, "options.review.label_thresholds has over \(Self.maxLabelThresholds) labels")
        }
        for (label, value) in labelThresholds.sorted(by: { $0.key < $1.key }) where !(0...1).contains(value) {
            throw OCRError(.invalidJob, "options.review.label_thresholds.\(label) must be 0-1, not \(value)")
        }
        guard (0...1).contains(sampleRate) else {
            throw OCRError(.invalidJob, "options.review.sample_rate must be 0-1, not \(sampleRate)")
        }
        if let pageThreshold, !(0...100).contains(pageThreshold) {
            throw OCRError(.invalidJob, "options.review.page_threshold must be 0-100, not \(pageThreshold)")
        }
        guard rules.count <= Self.maxRules else {
            throw OCRError(.invalidJob, "options.review.rules lists \(rules.count) rules, over the limit of \(Self.maxRules)")
        }
        var names: Set<String> = []
        for (index, rule) in rules.enumerated() {
            let field = "options.review.rules[\(index)]"
            try rule.validate(at: field)
            guard names.insert(rule.name).inserted else {
                throw OCRError(.invalidJob, "\(field).name '\(rule.name)' is given twice")
            }
        }
    }
}
