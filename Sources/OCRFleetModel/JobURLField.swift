/// A URL a job names: where its source is read, where its markdown, layout, chunks and
/// extraction go.
public enum JobURLField: String, Sendable, CaseIterable {
    case source, result, layout, chunks, extraction

    /// The field's name in the job's JSON, as the API names it in errors (`source.url`, …).
    public var path: String {
        switch self {
        case .source: "source.url"
        case .result: "result.url"
        case .layout: "result.layout_url"
        case .chunks: "result.chunks_url"
        case .extraction: "result.extraction_url"
        }
    }

    /// What the URL is used with: the source is read, results are written.
    public var isWritten: Bool { self != .source }

    /// The object of the job's `data` holding the URL, and its key there.
    var location: (object: String, key: String) {
        switch self {
        case .source: ("source", "url")
        case .result: ("result", "url")
        case .layout: ("result", "layout_url")
        case .chunks: ("result", "chunks_url")
        case .extraction: ("result", "extraction_url")
        }
    }
}

extension DeadLetter {
    /// The URLs of the original job (a CloudEvent whose `data` is the job), in field order;
    /// empty when the original was not a JSON job.
    public var jobURLs: [(field: JobURLField, url: String)] {
        guard case .object(let event)? = original, case .object(let job)? = event["data"] else { return [] }
        return JobURLField.allCases.compactMap { field in
            guard case .object(let fields)? = job[field.location.object],
                case .string(let url)? = fields[field.location.key]
            else { return nil }
            return (field, url)
        }
    }

    /// The original job event with the given URLs in place of its own; nil when the original
    /// was not a JSON job. A field the job does not have is left out, not added.
    public func original(replacingURLs urls: [JobURLField: String]) -> [String: JSONValue]? {
        guard case .object(var event)? = original else { return nil }
        guard !urls.isEmpty else { return event }
        guard case .object(var job)? = event["data"] else { return nil }
        for (field, url) in urls {
            guard case .object(var fields)? = job[field.location.object], fields[field.location.key] != nil else { continue }
            fields[field.location.key] = .string(url)
            job[field.location.object] = .object(fields)
        }
        event["data"] = .object(job)
        return event
    }
}
