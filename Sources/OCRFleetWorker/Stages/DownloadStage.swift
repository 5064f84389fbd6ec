import Logging
import OCRFleetContent
import OCRFleetMetrics
import OCRFleetModel

/// Streams the job's source into the attempt's directory, size-capped and checked against
/// `source.sha256` when the job gives one.
struct DownloadStage: JobStage {
    let content: ContentClient

    var name: String { "download" }

    func run(_ work: inout JobWork) async throws {
        let source = work.job.source
        let downloaded = try await content.download(
            source.url,
            to: "\(work.directory)/source",
            expectedSHA256: source.sha256
        )
        work.source = downloaded
        FleetMetrics.downloaded(bytes: downloaded.bytes)
        work.logger.info("downloaded source", metadata: ["bytes": "\(downloaded.bytes)"])
    }
}
