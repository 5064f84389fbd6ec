import Foundation
import OCRFleetAPI
import OCRFleetModel
import OpenAPIRuntime

extension Operations.SubmitJob.Input.Query {
    /// An upload's parameters: its job id, its file name and the job's options, which an
    /// upload carries in its query (`languages` as `eng+deu`) but for labels and a schema
    /// (`GatewayClient.analysisFields`).
    public init(jobID: String?, filename: String?, options: Components.Schemas.Options) {
        self.init(
            jobId: jobID,
            filename: filename,
            engine: options.engine,
            mode: options.mode,
            pages: options.pages,
            languages: options.languages?.joined(separator: "+"),
            resolution: options.resolution,
            prompt: options.prompt,
            onPageError: options.onPageError,
            headersFooters: options.headersFooters,
            priority: options.priority,
            chunk: options.chunk.map { $0.strategy ?? .heading },
            chunkSize: options.chunk?.size,
            chunkOverlap: options.chunk?.overlap,
            split: options.split.map { $0.extractEach == true ? .extractEach : ._true },
            password: options.password,
            timeoutS: options.timeoutS
        )
    }
}

extension ExtractionDocument {
    /// The gateway's answer, which is `extraction.json` as the worker wrote it, or a reviewed
    /// version (whose `reviewed.at` are the fleet's timestamps).
    init(_ answer: OpenAPIObjectContainer) throws {
        self = try CloudEventCoding.decoder().decode(ExtractionDocument.self, from: JSONEncoder().encode(answer))
    }
}

extension JobState {
    /// The gateway's answer as the fleet's own type, which `ocrctl` shares with the bus: both
    /// are the same JSON, so it goes through it (the fleet's timestamps both ways).
    init(_ answer: Components.Schemas.JobState) throws {
        self = try CloudEventCoding.decoder().decode(JobState.self, from: CloudEventCoding.encoder().encode(answer))
    }
}
