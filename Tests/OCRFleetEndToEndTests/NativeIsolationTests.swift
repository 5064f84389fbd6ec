import Foundation
import OCRFleetAPI
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import Testing

/// A document's native work runs in a child process the worker kills: a page that hangs
/// poppler ends its job at the job's time limit, and a child that crashes ends its job as
/// `document_crashed`, while the same worker goes on with its other jobs.
@Suite(.serialized) struct NativeIsolationTests {
    /// `DocumentChildServer.testAbortMarker`; OCRFleetIsolation is not imported here, so the
    /// test says it again (`DocumentChildTests` checks it is the same).
    static let abortMarker = "%ocrfleet-test-abort"

    static func file(_ data: Data, named name: String) throws -> String {
        let path = NSTemporaryDirectory() + "ocrfleet-\(UUID().uuidString.prefix(8))-\(name)"
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aPageThatHangsPopplerEndsAtItsTimeLimitWhileTheWorkerCompletesFourOtherJobs() async throws {
        let nested = try Self.file(Fixtures.nestedFormPDF(depth: 40), named: "nested-forms.pdf")
        defer { try? FileManager.default.removeItem(atPath: nested) }
        let environment = ["OCR_MAX_JOBS": "2", "OCR_MAX_DELIVER": "1", "OCR_ENGINE": "tesseract"]
        try await withFleet(workerEnvironment: environment) { fleet in
            let started = try fleet.recordEvents("ocr.events.started.nested-forms")
            try await fleet.nats.flush()
            let submitted = Date()
            try await fleet.submit(file: nested, jobID: "nested-forms", options: .init(timeoutS: 60))
            _ = try await started.events(count: 1, timeout: .seconds(30))

            // The other slot takes four jobs, one after another, while the first hangs: PDFs with
            // text layers (each through its own child), quick even on a loaded machine.
            let others = ["report-3p.pdf", "bench-10p.pdf", "report-3p.pdf", "bench-10p.pdf"]
            for (index, name) in others.enumerated() {
                try await fleet.submit(file: Fixtures.path(name), jobID: "beside-nested-\(index)")
            }
            var finished: [Date] = []
            for index in others.indices {
                let state = try await fleet.waitForTerminalState("beside-nested-\(index)", timeout: .seconds(60))
                #expect(state.state == .completed, "\(state)")
                finished.append(state.finishedAt ?? .distantFuture)
            }

            let hung = try await fleet.waitForTerminalState("nested-forms", timeout: .seconds(120))
            #expect(hung.state == .failed && hung.error?.code == .engineTimeout, "\(hung)")
            #expect(hung.error?.message.contains("time limit") == true, "\(hung)")
            // Not before its limit, and by the limit rather than by the wedged-job grace (30 s past
            // it) or a redelivery, whatever a loaded machine adds to download and start-up.
            let took = (hung.finishedAt ?? .distantFuture).timeIntervalSince(submitted)
            #expect(took >= 59 && took < 85, "ended \(took) s after it was submitted, with timeout_s 60")
            // The worker went on while the hang held a slot: the other slot completed at least the
            // first of them before the limit ended the hang (all four, on an idle machine). The
            // limit is a minute so that a machine loaded by other suites still gets one done.
            #expect(finished.min() ?? .distantFuture < hung.finishedAt ?? .distantPast, "the worker carried on meanwhile")
        }
    }

    @Test func aChildThatAbortsEndsItsJobAsDocumentCrashedAndTheWorkerCarriesOn() async throws {
        let marked = try Self.file(Fixtures.markedPDF(Self.abortMarker), named: "aborts.pdf")
        defer { try? FileManager.default.removeItem(atPath: marked) }
        try await withFleet(childTestFaults: true) { fleet in
            try await fleet.submit(file: marked, jobID: "child-aborts")
            let crashed = try await fleet.waitForTerminalState("child-aborts", timeout: .seconds(60))
            #expect(crashed.state == .failed && crashed.error?.code == .documentCrashed, "\(crashed)")
            #expect(crashed.attempts == 1, "document_crashed is permanent: not retried")
            let message = crashed.error?.message ?? ""
            #expect(message.contains("SIGABRT") && message.contains("page 1"), "\(message)")

            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "after-crash")
            let next = try await fleet.waitForTerminalState("after-crash", timeout: .seconds(60))
            #expect(next.state == .completed, "\(next)")
        }
    }
}
