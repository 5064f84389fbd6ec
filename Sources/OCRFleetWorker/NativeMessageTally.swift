import Logging
import OCRFleetDocuments
import OCRFleetModel
import Synchronization

/// What native code said about one job attempt's document (LibreOffice converting it; poppler,
/// Leptonica and Tesseract reading it), logged as one line when the attempt is done with it,
/// instead of the libraries' own lines on stderr.
final class NativeMessageTally: Sendable {
    private struct State {
        var converted = NativeMessages()
        var document = NativeMessages()
        var fromProcess = false
    }

    private let state = Mutex(State())

    /// Adds what LibreOffice printed while converting the document.
    func converted(_ messages: NativeMessages) { state.withLock { $0.converted.merge(messages) } }

    /// Everything the document's child reported so far (it reports a running total).
    func document(_ messages: NativeMessages) { state.withLock { $0.document = messages } }

    /// The document is read in this process (`OCR_DOCUMENT_ISOLATION=off`): its messages are
    /// the process's, taken when they are logged.
    func takesFromProcess() { state.withLock { $0.fromProcess = true } }

    /// Logs one line if anything was said: `warning` when a message was an error (poppler's
    /// syntax errors, a Leptonica error), `notice` when the gravest was a warning (poppler's
    /// syntax warnings, lines a library printed), `debug` for information only.
    func log(to logger: Logger) {
        let messages = state.withLock { state in
            if state.fromProcess { state.document.merge(NativeMessageLog.take()) }
            var all = state.converted
            all.merge(state.document)
            return all
        }
        guard let worst = messages.worst else { return }
        let level: Logger.Level =
            switch worst {
            case .error: .warning
            case .warning: .notice
            case .info: .debug
            }
        logger.log(
            level: level,
            "native libraries' messages about the document",
            metadata: [
                "native_libraries": "\(messages.libraries.joined(separator: ","))",
                "native_messages": "\(messages.total)",
                "native_counts": "\(messages.countsField)",
                "native_first": "\(messages.first.joined(separator: " | "))",
            ]
        )
    }
}
