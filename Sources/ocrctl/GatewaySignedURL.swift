import Foundation

/// A job URL that a gateway signed, told by its shape: only that gateway can sign it again,
/// so a job whose such URL expired is retried through it (`ocrctl retry`), not replayed.
struct GatewaySignedURL {
    /// The job as its tenant names it: a gateway's tenant `alpha` submits `inv-1` as the bus's
    /// `alpha=inv-1` (tenant names have no `=`).
    let tenant: String?
    let jobID: String

    /// `url`, presigned, when a gateway signed it for the bus's job `busID`: a URL of a
    /// gateway's own store (`…/v1/store/<key>?expires=…&signature=…`), or an S3 presigned URL
    /// of a key the gateway gives the job's upload, result, layout or chunks. Nil for anything else.
    init?(_ url: String, busID: String) {
        guard let components = URLComponents(string: url), let query = components.queryItems else { return nil }
        let names = Set(query.map(\.name))
        let path = components.percentEncodedPath.removingPercentEncoding ?? components.path
        // A token-less gateway's ids may hold `=` too: the job's keys say which reading is right.
        let readings: [(tenant: String?, jobID: String)] =
            busID.split(separator: "=", maxSplits: 1).count == 2
            ? [(String(busID.prefix { $0 != "=" }), String(busID.drop { $0 != "=" }.dropFirst())), (nil, busID)]
            : [(nil, busID)]
        let owning = readings.first { reading in
            Self.storeKeys(tenant: reading.tenant, jobID: reading.jobID).contains { path.hasSuffix("/" + $0) }
        }
        let reading: (tenant: String?, jobID: String)
        if names.isSuperset(of: ["expires", "signature"]), path.contains("/v1/store/") {
            reading = owning ?? readings[0]
        } else if names.contains("X-Amz-Signature"), let owning {
            reading = owning
        } else {
            return nil
        }
        tenant = reading.tenant
        jobID = reading.jobID
    }

    /// The keys a gateway's store gives job `jobID` of `tenant`: upload, markdown, layout,
    /// chunks, extraction.
    static func storeKeys(tenant: String?, jobID: String) -> [String] {
        let prefix = tenant.map { "tenants/\($0)/" } ?? ""
        return [
            "sources/\(jobID)/source", "results/\(jobID).md", "results/\(jobID).layout.json", "results/\(jobID).chunks.jsonl",
            "results/\(jobID).extraction.json",
        ]
        .map { prefix + $0 }
    }

    /// What to run instead of the replay.
    var retryCommand: String {
        "ocrctl retry \(jobID)" + (tenant.map { " with a token of tenant \($0)" } ?? "")
    }
}
