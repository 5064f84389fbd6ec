import Foundation
import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetModel

/// Records and announces that the job started, with its format, pages and engine. The state
/// goes first: a job another attempt has ended meanwhile stops here, unannounced.
struct StartedStage: JobStage {
    var name: String { "started" }
    var isTimed: Bool { false }

    func run(_ work: inout JobWork) async throws {
        let format = try work.needs(\.format, from: "convert").rawValue
        let (engine, pagesTotal) = (work.engine.name, work.indexes.count)
        try await work.reporter.updateState { state in
            state.state = .running
            state.startedAt = Date()
            state.format = format
            state.engine = engine
            state.pagesTotal = pagesTotal
            state.pagesDone = 0
            state.error = nil
        }
        try await work.reporter.publish(.started(JobStarted(format: format, pagesTotal: pagesTotal, engine: engine)))
    }
}
