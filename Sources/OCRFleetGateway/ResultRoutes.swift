import Foundation
import HTTPTypes
import OCRFleetAPI
import OCRFleetBus
import OCRFleetModel
import OpenAPIRuntime

extension Gateway {
    /// `GET /v1/jobs/{id}/result`: the markdown of a completed job from the local store, or a
    /// redirect to it (a presigned GET in S3, or the job's own result URL).
    public func getResult(_ input: Operations.GetResult.Input) async throws -> Operations.GetResult.Output {
        let (busID, state) = try await ownedJob(input.path.id)
        var summary = state.state == .completed ? state.result : nil
        if summary == nil {
            // `completed` is published a moment before the job's state says so: a client that
            // asks the instant it sees the event is served from the event.
            summary = try? await completedEvent(of: busID)?.result
        }
        guard let result = summary else {
            throw APIError(.conflict, code: "not_ready", "job \(state.jobID) is \(state.state.rawValue), not completed")
        }
        switch store.location(ofResult: result.url, under: try Caller.required().storeKey("")) {
        case nil: return .found(.init(headers: .init(location: result.url)))
        case .redirect(let url): return .found(.init(headers: .init(location: url)))
        case .file(let path): return .ok(.init(body: .textMarkdownCharsetUtf8(try FileChunks.body(of: path))))
        }
    }

    /// `GET /v1/jobs/{id}/layout`: the layout sidecar of a completed job whose engine
    /// reported blocks.
    public func getLayout(_ input: Operations.GetLayout.Input) async throws -> Operations.GetLayout.Output {
        let (_, state) = try await ownedJob(input.path.id)
        let key = try Caller.required().storeKey(Self.layoutKey(state.jobID))
        guard state.state == .completed, let location = try await store.location(of: key) else {
            throw APIError.notFound("job \(state.jobID) has no layout (its engine reports none, or it is not completed)")
        }
        switch location {
        case .redirect(let url): return .found(.init(headers: .init(location: url)))
        case .file(let path):
            let layout = try await OpenAPIObjectContainer(collecting: FileChunks.body(of: path), upTo: Self.maxLayoutBytes)
            return .ok(.init(body: .json(layout)))
        }
    }

    /// `GET /v1/jobs/{id}/chunks`: the `chunks.jsonl` of a completed job that asked for chunks.
    public func getChunks(_ input: Operations.GetChunks.Input) async throws -> Operations.GetChunks.Output {
        let (_, state) = try await ownedJob(input.path.id)
        let key = try Caller.required().storeKey(Self.chunksKey(state.jobID))
        guard state.state == .completed, let location = try await store.location(of: key) else {
            throw APIError.notFound("job \(state.jobID) has no chunks (it did not ask for options.chunk, or it is not completed)")
        }
        switch location {
        case .redirect(let url): return .found(.init(headers: .init(location: url)))
        case .file(let path): return .ok(.init(body: .applicationJsonl(try FileChunks.body(of: path))))
        }
    }

    /// `GET /v1/jobs/{id}/extraction?version=N`: the `extraction.json` of a completed job that
    /// asked for `classify`, `split` or `extract`; version 1 is the worker's, each finished
    /// review stored the next (`reviews/<job>/extraction.v<N>.json`). Newest by default.
    public func getExtraction(_ input: Operations.GetExtraction.Input) async throws -> Operations.GetExtraction.Output {
        let (busID, state) = try await ownedJob(input.path.id)
        let caller = try Caller.required()
        var newest = 1
        if reviews.isReady, let reviewCase = try await reviews.store().caseOf(jobID: busID) { newest = reviewCase.version }
        let version = input.query.version ?? newest
        guard (1...newest).contains(version) else {
            throw APIError.notFound("job \(state.jobID) has no extraction version \(version) (the newest is \(newest))")
        }
        let key = caller.storeKey(version == 1 ? Self.extractionKey(state.jobID) : Self.reviewedExtractionKey(state.jobID, version: version))
        guard state.state == .completed, let location = try await store.location(of: key) else {
            throw APIError.notFound(
                "job \(state.jobID) has no extraction (it did not ask for options.classify, split or extract, or it is not completed)"
            )
        }
        switch location {
        case .redirect(let url): return .found(.init(headers: .init(location: url)))
        case .file(let path):
            let document = try await OpenAPIObjectContainer(collecting: FileChunks.body(of: path), upTo: Self.maxLayoutBytes)
            return .ok(.init(headers: .init(ocrFleetExtractionVersion: version), body: .json(document)))
        }
    }

    /// Layouts are a few boxes a page, extractions a few values and citations a field; one
    /// over this is not the gateway's to hold in memory.
    static let maxLayoutBytes = 64 << 20

    /// The job's stored `completed` event, if it has one.
    func completedEvent(of jobID: String) async throws -> JobCompleted? {
        let stored = StoredMessages(connection: nats, stream: StreamNames.events)
        guard let message = try await stored.last(on: Subjects.event(.completed, jobID: jobID)) else { return nil }
        guard case .completed(let completed) = try LifecycleEvent.decode(message.payload).data.body else { return nil }
        return completed
    }

    static func layoutKey(_ clientID: String) -> String { "results/\(clientID).layout.json" }

    static func chunksKey(_ clientID: String) -> String { "results/\(clientID).chunks.jsonl" }

    static func extractionKey(_ clientID: String) -> String { "results/\(clientID).extraction.json" }

    /// Where a finished review stores version `version` (2 or more) of a job's extraction.json.
    static func reviewedExtractionKey(_ clientID: String, version: Int) -> String {
        "reviews/\(clientID)/extraction.v\(version).json"
    }
}

extension OpenAPIObjectContainer {
    /// A JSON object read from `body`.
    init(collecting body: HTTPBody, upTo maxBytes: Int) async throws {
        let bytes = try await [UInt8](collecting: body, upTo: maxBytes)
        self = try JSONDecoder().decode(Self.self, from: Data(bytes))
    }
}
