import CPoppler
import OCRFleetModel
import Synchronization

/// poppler's and Leptonica's own messages, collected in this process instead of printed on
/// stderr, until a document's reader takes them (`take()`). The libraries' handlers are
/// process-wide: in the document's child they are its one document's; in a worker that reads
/// documents in its own process (`OCR_DOCUMENT_ISOLATION=off`) documents read at the same time
/// share them.
public enum NativeMessageLog {
    private static let collected = Mutex(NativeMessages())

    /// Routes the libraries' messages here, once per process.
    public static func route() { _ = routed }

    private static let routed: Void = ocr_native_messages_route(sink)

    /// For a process whose stdout and stderr carry nothing of its own (the document's child):
    /// whatever else writes there (Tesseract, fontconfig) is collected too, as `stderr.output`.
    public static func captureStandardError() -> Bool {
        route()
        return ocr_native_messages_capture_stderr() == 0
    }

    /// What was collected since the last call, which empties the log.
    public static func take() -> NativeMessages {
        ocr_native_messages_sync()
        return collected.withLock { messages in
            defer { messages = NativeMessages() }
            return messages
        }
    }

    private static let sink: ocr_native_sink = { library, category, severity, text in
        guard let library, let category, let text else { return }
        let level = NativeMessages.Severity(rawValue: Int(severity)) ?? .error
        let (name, kind, message) = (String(cString: library), String(cString: category), String(cString: text))
        collected.withLock { $0.record(library: name, category: kind, severity: level, text: message) }
    }
}
