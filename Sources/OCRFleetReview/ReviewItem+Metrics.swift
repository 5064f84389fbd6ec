import OCRFleetModel

extension ReviewItem {
    /// The item's `field` label on the review metrics: its pointer with array indices as `*`
    /// (`/lines/*/amount`), so that the schema, not the documents, bounds the series; `page`
    /// for a page.
    var metricsField: String {
        guard kind == .field, let pointer else { return "page" }
        return pointer.split(separator: "/", omittingEmptySubsequences: false)
            .map { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) ? "*" : String($0) }
            .joined(separator: "/")
    }
}
