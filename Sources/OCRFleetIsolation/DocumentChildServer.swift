import CProcessGuard
import Foundation
import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetModel

/// The child side: `ocr-document-child` confines itself (limits, no network), then answers the
/// worker's requests about one document on stdin and stdout until stdin closes.
///
///     ocr-document-child --check
///     ocr-document-child --cpu-seconds N --memory-mb M --tessdata DIR [--test-faults]
public enum DocumentChildServer {
    /// Exit status when the child cannot confine itself; the worker reports it as `internal`.
    public static let unconfined: Int32 = 126

    /// Marks a PDF that makes a child started with `--test-faults` abort on its first page,
    /// as a crash in poppler would: for tests of crash handling. A child started without that
    /// flag (the worker passes it only when a test sets `WorkerConfiguration.childTestFaults`,
    /// which no setting reaches) reads such a PDF as any other.
    public static let testAbortMarker = "%ocrfleet-test-abort"

    /// Runs the child; its exit status.
    public static func run(arguments: [String]) -> Int32 {
        guard let options = Options(arguments) else {
            FileHandle.standardError.write(
                Data("usage: ocr-document-child --check | --cpu-seconds N --memory-mb M --tessdata DIR [--test-faults]\n".utf8)
            )
            return 2
        }
        if options.check {
            guard ocr_process_deny_network() == 0 else { return report("cannot install the seccomp filter") }
            return ocr_process_check_network_denied()
        }
        guard ocr_process_confine(options.cpuSeconds, options.memoryBytes) == 0 else {
            return report("cannot set its limits")
        }
        guard ocr_process_deny_network() == 0 else { return report("cannot install the seccomp filter") }
        // Replies go to a copy of stdout, closed on exec; stdout itself becomes stderr, so
        // whatever a library prints cannot corrupt the frames.
        let replies = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)
        guard replies >= 0, dup2(STDERR_FILENO, STDOUT_FILENO) >= 0 else { return report("cannot set up its pipes") }
        // What the native libraries print goes to the worker in the replies, counted, never
        // on the worker's stderr.
        guard NativeMessageLog.captureStandardError() else { return report("cannot capture its stderr") }
        var session = Session(options: options)
        let input = FileHandle.standardInput
        let output = FileHandle(fileDescriptor: replies, closeOnDealloc: true)
        while true {
            let request: ChildRequest
            do {
                (request, _) = try FrameChannel.read(
                    ChildRequest.self,
                    from: input,
                    maxMessage: 1 << 20,
                    maxAttachment: 0
                )
            } catch FrameChannel.Failure.ended {
                return 0
            } catch {
                return report("cannot read a request: \(error)")
            }
            let (reply, attachment) = session.answer(request)
            session.messages.merge(NativeMessageLog.take())
            do {
                try FrameChannel.write(ChildReplyFrame(reply: reply, messages: session.messages), attachment: attachment, to: output)
            } catch {
                return report("cannot write a reply: \(error)")
            }
        }
    }

    private static func report(_ problem: String) -> Int32 {
        FileHandle.standardError.write(Data("ocr-document-child: \(problem): \(String(cString: strerror(errno)))\n".utf8))
        return unconfined
    }

    struct Options {
        var check = false
        var cpuSeconds = 3600
        var memoryBytes = 3072 << 20
        var tessdata: String?
        var testFaults = false

        init?(_ arguments: [String]) {
            var rest = arguments.dropFirst()[...]
            while let argument = rest.popFirst() {
                switch argument {
                case "--check": check = true
                case "--test-faults": testFaults = true
                case "--cpu-seconds":
                    guard let value = rest.popFirst().flatMap({ Int($0) }), value > 0 else { return nil }
                    cpuSeconds = value
                case "--memory-mb":
                    guard let value = rest.popFirst().flatMap({ Int($0) }), value > 0 else { return nil }
                    memoryBytes = value << 20
                case "--tessdata":
                    guard let value = rest.popFirst() else { return nil }
                    tessdata = value
                default: return nil
                }
            }
        }
    }

    /// The open document and the engines made for it, kept from request to request.
    struct Session {
        let options: Options
        var document: PagedDocument?
        var limits = DocumentLimits()
        var aborts = false
        var straightener: PageStraightener??
        var reader: TesseractReader?
        /// What the native libraries said about the document so far.
        var messages = NativeMessages()

        init(options: Options) { self.options = options }

        mutating func answer(_ request: ChildRequest) -> (ChildReply, [UInt8]) {
            do throws(OCRError) {
                return try perform(request)
            } catch {
                return (.failed(code: error.code, message: error.message), [])
            }
        }

        private mutating func perform(_ request: ChildRequest) throws(OCRError) -> (ChildReply, [UInt8]) {
            switch request {
            case .open(let opening):
                guard let format = DocumentFormat(rawValue: opening.format) else {
                    throw OCRError(.internal, "the child was asked to open a \(opening.format)")
                }
                limits = opening.limits
                let opened = try PagedDocument.open(
                    path: opening.path,
                    format: format,
                    password: opening.password,
                    limits: limits
                )
                document = opened
                aborts = options.testFaults && Self.carriesAbortMarker(opening.path)
                var hasTextLayer = false
                if case .pdf = opened { hasTextLayer = true }
                return (.opened(pageCount: opened.pageCount, hasTextLayer: hasTextLayer), [])
            case .text(let page, let includeInvisible):
                guard case .pdf(let pdf) = try opened(page) else { throw OCRError(.internal, "text layer asked of an image") }
                return (.text(try pdf.text(page: page, includeInvisible: includeInvisible)), [])
            case .render(let rendering):
                let document = try opened(rendering.page)
                var image = try document.render(
                    page: rendering.page,
                    target: rendering.target,
                    gray: rendering.gray,
                    limits: limits
                )
                if rendering.straighten, let straightener = straightenerMade() {
                    var scanned = rendering.knownScanned
                    if scanned == nil, case .pdf(let pdf) = document {
                        scanned = try pdf.text(page: rendering.page, includeInvisible: false).looksScanned
                    }
                    if scanned != false { image = straightener.straighten(image).0 }
                }
                guard let bytes = image.serialized() else { throw OCRError(.internal, "cannot serialize the page bitmap") }
                return (.image(resolution: image.resolution), bytes)
            case .recognize(let recognition):
                let image = try opened(recognition.page).render(
                    page: recognition.page,
                    target: .dpi(recognition.dpi),
                    gray: true,
                    limits: limits
                )
                let request = RecognitionRequest(
                    languages: recognition.languages,
                    pageTimeout: .milliseconds(recognition.pageTimeoutMilliseconds),
                    maxPagePixels: limits.maxPagePixels
                )
                let page = try readerMade(straighten: recognition.straighten).recognize(image, request: request)
                let reply = ChildReply.recognized(
                    markdown: page.markdown,
                    width: page.width,
                    height: page.height,
                    blocks: page.blocks,
                    confidence: page.confidence
                )
                return (reply, [])
            }
        }

        /// The open document, if it has `page`; the abort of `--test-faults` happens here.
        private func opened(_ page: Int) throws(OCRError) -> PagedDocument {
            guard let document else { throw OCRError(.internal, "the child was asked about a page before opening a document") }
            if aborts { abort() }
            guard page >= 0, page < document.pageCount else {
                throw OCRError(.internal, "the child was asked for page \(page + 1), which the document lacks")
            }
            return document
        }

        private mutating func straightenerMade() -> PageStraightener? {
            if let straightener { return straightener }
            let made = PageStraightener(dataPath: options.tessdata)
            straightener = .some(made)
            return made
        }

        private mutating func readerMade(straighten: Bool) throws(OCRError) -> TesseractReader {
            if let reader { return reader }
            guard let dataPath = options.tessdata ?? TesseractEngine.defaultDataPath() else {
                throw OCRError(.engineUnavailable, "no Tesseract language data found (install tesseract-ocr-eng)")
            }
            let made = TesseractReader(dataPath: dataPath, straightener: straighten ? straightenerMade() : nil)
            reader = made
            return made
        }

        static func carriesAbortMarker(_ path: String) -> Bool {
            guard let handle = FileHandle(forReadingAtPath: path), let head = try? handle.read(upToCount: 1024) else {
                return false
            }
            return String(decoding: head, as: UTF8.self).contains(DocumentChildServer.testAbortMarker)
        }
    }
}
