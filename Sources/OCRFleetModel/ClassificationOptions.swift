/// The labels a job's pages and document are classified with (`options.classify`).
public struct ClassificationOptions: Codable, Sendable, Equatable {
    public struct Label: Codable, Sendable, Equatable {
        /// What the label is called in results: 1-64 characters (Unicode scalars, so stacked
        /// combining marks count each), unique in the job.
        public var name: String
        /// What the model reads to tell the labels apart; at most 1,000 characters (Unicode scalars).
        public var description: String?

        public init(name: String, description: String? = nil) {
            self.name = name
            self.description = description
        }
    }

    public static let labelCounts = 2...100
    public static let maxNameLength = 64
    public static let maxDescriptionLength = 1000

    public var labels: [Label]

    public init(labels: [Label]) {
        self.labels = labels
    }

    /// The first problem with the labels, as the field it is in and a message; nil when they can be used.
    public var problem: (field: String, message: String)? {
        guard Self.labelCounts.contains(labels.count) else {
            return (
                "options.classify.labels",
                "options.classify.labels must list \(Self.labelCounts.lowerBound)-\(Self.labelCounts.upperBound) labels, not \(labels.count)"
            )
        }
        var seen: Set<String> = []
        for (index, label) in labels.enumerated() {
            let field = "options.classify.labels[\(index)]"
            guard (1...Self.maxNameLength).contains(label.name.unicodeScalars.count),
                label.name.allSatisfy({ !$0.isNewline && $0 != "\u{0}" })
            else {
                return ("\(field).name", "\(field).name must be 1-\(Self.maxNameLength) characters on one line")
            }
            guard seen.insert(label.name).inserted else {
                return ("\(field).name", "\(field).name '\(label.name)' is given twice")
            }
            if let description = label.description, description.unicodeScalars.count > Self.maxDescriptionLength {
                return ("\(field).description", "\(field).description is over \(Self.maxDescriptionLength) characters")
            }
        }
        return nil
    }

    public func validate() throws(OCRError) {
        if let problem { throw OCRError(.invalidJob, problem.message) }
    }
}
