import NIOPosix
import OCRFleetDocuments
import OCRFleetIsolation
import OCRFleetModel

/// Where a document's native work runs (`OCR_DOCUMENT_ISOLATION`).
public enum DocumentIsolation: String, Sendable, CaseIterable {
    /// A child process per job attempt, confined and killed when the job stops.
    case process
    /// In the worker's process: a page that hangs poppler pins a job slot until the worker
    /// restarts, and a crash ends the worker with every job in it.
    case off
}

/// Opens jobs' PDFs and images where `OCR_DOCUMENT_ISOLATION` says.
struct DocumentOpener: Sendable {
    let isolation: DocumentIsolation
    let child: DocumentChildOptions
    let limits: DocumentLimits
    let threads: NIOThreadPool

    /// Opens the PDF or image at `path`; a child's work is limited to `timeLimit` of CPU.
    func open(
        path: String,
        format: DocumentFormat,
        password: String?,
        timeLimit: Duration,
        said: NativeMessageTally
    ) async throws(OCRError)
        -> any DocumentPages
    {
        switch isolation {
        case .process:
            return try await IsolatedPages(
                path: path,
                format: format,
                password: password,
                limits: limits,
                options: child,
                timeLimit: timeLimit,
                threads: threads,
                said: said
            )
        case .off:
            said.takesFromProcess()
            let (limits, threads) = (self.limits, self.threads)
            let opened: Result<InProcessPages, OCRError>
            do {
                opened = try await threads.runIfActive {
                    Result { () throws(OCRError) in
                        InProcessPages(
                            try PagedDocument.open(path: path, format: format, password: password, limits: limits),
                            threads: threads,
                            limits: limits
                        )
                    }
                }
            } catch {
                throw OCRError(.cancelled, "the worker is stopping")
            }
            return try opened.get()
        }
    }
}
