import CTesseract
import Foundation
import NIOPosix
import OCRFleetDocuments
import OCRFleetMarkdown
import OCRFleetMetrics
import OCRFleetModel
import Synchronization

/// Tesseract in-process through its C API. Each page in flight has its own engine handle,
/// initialised once per language set and reused; pages run on the engine's own threads,
/// one per core by default, never on Swift's cooperative pool.
///
/// With a straightener, a page is read as it comes and straightened only when Tesseract is
/// unsure of what it read: orientation detection costs about a fifth of reading an upright
/// page, which nearly every scan is, while a page turned over reads as low-confidence noise.
public final class TesseractEngine: OCREngine {
    public let name = "tesseract"
    public let concurrency: Int
    public let dataPath: String
    /// Resolution PDFs are rendered at.
    public let dpi: Double
    public let rendersGray = true
    /// Turns doubtful pages upright and reads them again; nil: pages are read as they come.
    public let straightener: PageStraightener?
    public var straightensItself: Bool { straightener != nil }
    private let threads: NIOThreadPool
    private let handles: HandlePool

    /// - Parameters:
    ///   - dataPath: folder of `*.traineddata`; found from `TESSDATA_PREFIX` or the Debian path when nil.
    ///   - concurrency: pages recognised at once (one handle and one thread each).
    ///   - dpi: resolution PDFs are rendered at.
    ///   - straightener: straightens pages read with low confidence.
    public init(
        dataPath: String? = nil,
        concurrency: Int = ProcessorBudget.cores,
        dpi: Double = 300,
        straightener: PageStraightener? = nil
    ) throws(OCRError) {
        guard let path = dataPath ?? Self.defaultDataPath() else {
            throw OCRError(.engineUnavailable, "no Tesseract language data found (install tesseract-ocr-eng)")
        }
        self.dataPath = path
        self.dpi = dpi
        self.straightener = straightener
        let files = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        installedLanguages = Set(files.filter { $0.hasSuffix(".traineddata") }.map { String($0.dropLast(12)) })
        self.concurrency = max(1, concurrency)
        threads = NIOThreadPool(numberOfThreads: self.concurrency)
        threads.start()
        handles = HandlePool(limit: self.concurrency)
    }

    deinit {
        threads.shutdownGracefully { _ in }
    }

    /// Languages whose `.traineddata` is installed, read once when the engine is made.
    public let installedLanguages: Set<String>

    public func validate(_ request: RecognitionRequest) throws(OCRError) {
        let missing = request.languages.filter { !installedLanguages.contains($0) }
        if !missing.isEmpty {
            throw OCRError(
                .invalidJob,
                "Tesseract language(s) \(missing.joined(separator: ", ")) not installed; installed: "
                    + installedLanguages.subtracting(["osd"]).sorted().joined(separator: ", ")
            )
        }
    }

    public func renderTarget(for request: RecognitionRequest) -> RenderTarget { .dpi(dpi) }

    public func prepare(_ page: PageImage, request: RecognitionRequest) throws(OCRError) -> PageImage { page }

    public func recognize(_ page: PageImage, request: RecognitionRequest) async throws(OCRError) -> RecognizedPage {
        let started = ContinuousClock.now
        do {
            let recognized = try await withHandle(request) { [straightener] handle, timeout throws(OCRError) in
                let read = try Self.recognizeUpright(
                    page,
                    handle: handle,
                    straightener: straightener,
                    timeout: timeout,
                    maxPixels: request.maxPagePixels
                )
                return handle.result(width: read.width, height: read.height)
            }
            FleetMetrics.engineRequest(engine: name, status: "ok", took: .now - started)
            return recognized
        } catch {
            FleetMetrics.engineRequest(engine: name, status: error.code.rawValue, took: .now - started)
            throw error
        }
    }

    /// The page's text as markdown.
    public func text(of page: PageImage, request: RecognitionRequest) async throws(OCRError) -> String {
        try await recognize(page, request: request).markdown
    }

    /// Below this mean word confidence (0-100) a page is suspected of lying on its side or
    /// upside down: upright text reads at 85-97, a page turned over at about 35.
    static let doubtfulConfidence: Int32 = 60

    /// Recognises `page` into `handle`, enlarged first when its text is small; when the result
    /// is doubtful and straightening finds a correction, recognises the corrected page instead
    /// if it reads better. The page read.
    static func recognizeUpright(
        _ page: PageImage,
        handle: TesseractHandle,
        straightener: PageStraightener?,
        timeout: Duration,
        maxPixels: Int
    ) throws(OCRError) -> PageImage {
        // One budget for every reading of the page, however many it takes.
        let deadline = ContinuousClock.now + timeout
        func left() throws(OCRError) -> Duration {
            let rest = deadline - .now
            guard rest > .zero else { throw OCRError(.engineTimeout, "Tesseract took longer than \(timeout) on a page") }
            return rest
        }
        let page = SmallTextEnlarger.enlarged(page, maxPixels: maxPixels)
        try handle.recognize(page, timeout: try left())
        if handle.meanConfidence == 0 {
            // Automatic layout finds no text block in an image of a word or a line alone
            // (a one-word Arabic scan read as nothing); read as one block, it reads. What
            // reads as doubtful noise that way (a picture) stays unread.
            handle.clear()
            try handle.recognize(page, timeout: try left(), layout: PSM_SINGLE_BLOCK)
            if handle.meanConfidence < doubtfulConfidence {
                handle.clear()
                try handle.recognize(page, timeout: try left())
            }
        }
        let confidence = handle.meanConfidence
        guard let straightener, confidence < doubtfulConfidence else { return page }
        let (straight, correction) = straightener.straighten(page)
        guard correction != .init(quarterTurns: 0, skew: 0) else { return page }
        handle.clear()
        try handle.recognize(straight, timeout: try left())
        if handle.meanConfidence >= confidence { return straight }
        handle.clear()
        try handle.recognize(page, timeout: try left())
        return page
    }

    /// The page's paragraphs with their boxes in page pixels, in reading order.
    public func paragraphs(of page: PageImage, request: RecognitionRequest) async throws(OCRError) -> [LayoutBlock] {
        try await withHandle(request) { handle, timeout throws(OCRError) in
            try handle.recognize(page, timeout: timeout)
            return handle.paragraphs()
        }
    }

    /// Runs `body` holding one of the engine's page slots, for Tesseract work done in another
    /// process (a document's child): the worker then reads no more pages at once than the
    /// engine would itself.
    public func holdingPageSlot<T>(_ body: () async throws(OCRError) -> T) async throws(OCRError) -> T {
        let handle = await handles.acquire()
        defer { handles.release(handle) }
        return try await body()
    }

    /// Runs `body` with a handle ready for the request's languages, on the engine's threads.
    private func withHandle<T: Sendable>(
        _ request: RecognitionRequest,
        _ body: @escaping @Sendable (TesseractHandle, Duration) throws(OCRError) -> T
    ) async throws(OCRError) -> T {
        try validate(request)
        let languages = request.languages.joined(separator: "+")
        let handle = await handles.acquire()
        let dataPath = self.dataPath
        let timeout = request.pageTimeout
        let result: Result<T, OCRError>
        do {
            result = try await threads.runIfActive {
                Result { () throws(OCRError) -> T in
                    try handle.prepare(languages: languages, dataPath: dataPath)
                    defer { handle.clear() }
                    return try body(handle, timeout)
                }
            }
        } catch {
            result = .failure(OCRError(.engineUnavailable, "the Tesseract engine is shutting down"))
        }
        handles.release(handle)
        return try result.get()
    }

    public static func defaultDataPath() -> String? {
        var candidates: [String] = []
        if let prefix = ProcessInfo.processInfo.environment["TESSDATA_PREFIX"] {
            candidates += [prefix, prefix + "/tessdata"]
        }
        candidates += ["/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata"]
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/eng.traineddata") }
            ?? candidates.first { FileManager.default.fileExists(atPath: $0) }
    }
}

/// One Tesseract handle. Used by one thread at a time: the pool hands it to one page.
///
/// `@unchecked Sendable`: a handle is only ever touched by the page that acquired it from
/// `HandlePool`, whose mutex makes the hand-over a synchronisation point.
final class TesseractHandle: @unchecked Sendable {
    private let api: OpaquePointer
    private var languages: String?

    init() { api = TessBaseAPICreate() }

    deinit {
        TessBaseAPIEnd(api)
        TessBaseAPIDelete(api)
    }

    /// Initialises for `languages` unless already done; initialising costs ~0.1-0.5 s.
    func prepare(languages: String, dataPath: String) throws(OCRError) {
        guard self.languages != languages else { return }
        self.languages = nil
        guard TessBaseAPIInit3(api, dataPath, languages) == 0 else {
            throw OCRError(.engineUnavailable, "Tesseract cannot load language data '\(languages)'")
        }
        self.languages = languages
    }

    /// Lays out and recognises the page; read the results with `text()` or `paragraphs()`,
    /// then `clear()`. The API's own default layout is one text block; the CLI (and users)
    /// expect automatic layout.
    func recognize(_ page: PageImage, timeout: Duration, layout: TessPageSegMode = PSM_AUTO) throws(OCRError) {
        TessBaseAPISetPageSegMode(api, layout)
        TessBaseAPISetImage2(api, page.pix)
        if page.resolution >= 70 { TessBaseAPISetSourceResolution(api, Int32(page.resolution)) }
        let monitor = TessMonitorCreate()
        defer { TessMonitorDelete(monitor) }
        let budget = Int32(clamping: timeout.components.seconds * 1000)
        TessMonitorSetDeadlineMSecs(monitor, budget)
        let start = ContinuousClock.now
        let status = TessBaseAPIRecognize(api, monitor)
        if ContinuousClock.now - start >= timeout {
            throw OCRError(.engineTimeout, "Tesseract took longer than \(timeout) on a page")
        }
        guard status == 0 else { throw OCRError(.internal, "Tesseract failed to recognise the page") }
    }

    /// Mean word confidence of the last recognition, 0-100.
    var meanConfidence: Int32 { TessBaseAPIMeanTextConf(api) }

    /// The last recognition as a page: its markdown, its lines with their words (boxes in
    /// pixels of the `width` × `height` bitmap read, confidences 0-100) and its mean word
    /// confidence (none for a page without words), its blocks in reading order.
    func result(width: Int, height: Int) -> RecognizedPage {
        let blocks = textBlocks()
        let order = ReadingOrder.order(
            blocks.map { block in
                let box = block.box
                return ReadingOrder.Block(left: box[0], top: box[1], right: box[2], bottom: box[3], lines: block.lines.count)
            },
            rightToLeft: Self.runsRightToLeft(blocks.lazy.flatMap(\.lines).map(\.text))
        )
        let ordered = order.map { blocks[$0] }
        let lines = ordered.flatMap(\.lines)
        return RecognizedPage(
            markdown: TesseractText.markdown(ordered.map(\.text).joined(separator: "\n\n")),
            blocks: lines,
            width: width,
            height: height,
            confidence: lines.isEmpty ? nil : Double(meanConfidence)
        )
    }

    /// One text block of the last recognition: its paragraphs' text (lines joined by line
    /// breaks, paragraphs by a blank line) and its lines with their words.
    struct TextBlock {
        var text = ""
        var lines: [LayoutBlock] = []

        /// The box around its lines.
        var box: [Int] {
            let boxes = lines.map(\.box)
            return [
                boxes.map { $0[0] }.min() ?? 0, boxes.map { $0[1] }.min() ?? 0,
                boxes.map { $0[2] }.max() ?? 0, boxes.map { $0[3] }.max() ?? 0,
            ]
        }
    }

    /// The text blocks of the last recognition in Tesseract's order; pictures and rules skipped.
    func textBlocks() -> [TextBlock] {
        guard let iterator = TessBaseAPIGetIterator(api) else { return [] }
        defer { TessResultIteratorDelete(iterator) }
        let page = TessResultIteratorGetPageIterator(iterator)
        func box(_ level: TessPageIteratorLevel) -> [Int]? {
            var left: Int32 = 0
            var top: Int32 = 0
            var right: Int32 = 0
            var bottom: Int32 = 0
            guard TessPageIteratorBoundingBox(page, level, &left, &top, &right, &bottom) != 0 else { return nil }
            return [Int(left), Int(top), Int(right), Int(bottom)]
        }
        func text(_ level: TessPageIteratorLevel) -> String {
            guard let raw = TessResultIteratorGetUTF8Text(iterator, level) else { return "" }
            defer { TessDeleteText(raw) }
            return String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // One decimal: Tesseract's confidences are not finer than that.
        func confidence(_ level: TessPageIteratorLevel) -> Double {
            (Double(TessResultIteratorConfidence(iterator, level)) * 10).rounded() / 10
        }
        let pictures = Set([PT_FLOWING_IMAGE, PT_HEADING_IMAGE, PT_PULLOUT_IMAGE, PT_HORZ_LINE, PT_VERT_LINE].map(\.rawValue))
        var blocks: [TextBlock] = []
        var skipping = false
        var first = true
        repeat {
            if first || TessPageIteratorIsAtBeginningOf(page, RIL_BLOCK) != 0 {
                skipping = pictures.contains(TessPageIteratorBlockType(page).rawValue)
                if !skipping { blocks.append(TextBlock()) }
            }
            let startsParagraph = first || TessPageIteratorIsAtBeginningOf(page, RIL_PARA) != 0
            let startsLine = first || TessPageIteratorIsAtBeginningOf(page, RIL_TEXTLINE) != 0
            first = false
            guard !skipping, !blocks.isEmpty else { continue }
            if startsLine, let lineBox = box(RIL_TEXTLINE) {
                let line = text(RIL_TEXTLINE)
                if !line.isEmpty {
                    let last = blocks.count - 1
                    if !blocks[last].text.isEmpty { blocks[last].text += startsParagraph ? "\n\n" : "\n" }
                    blocks[last].text += line
                    blocks[last].lines.append(
                        LayoutBlock(type: "line", box: lineBox, text: line, confidence: confidence(RIL_TEXTLINE), words: [])
                    )
                }
            }
            let word = text(RIL_WORD)
            guard !word.isEmpty, let wordBox = box(RIL_WORD), let last = blocks.indices.last, !blocks[last].lines.isEmpty
            else { continue }
            let line = blocks[last].lines.count - 1
            blocks[last].lines[line].words?.append(LayoutWord(text: word, box: wordBox, confidence: confidence(RIL_WORD)))
        } while TessResultIteratorNext(iterator, RIL_WORD) != 0
        return blocks.compactMap { block in
            var block = block
            block.lines.removeAll { ($0.words ?? []).isEmpty }
            return block.lines.isEmpty ? nil : block
        }
    }

    /// Whether most of the letters read are Arabic or Hebrew.
    static func runsRightToLeft(_ lines: some Sequence<String>) -> Bool {
        var balance = 0
        for line in lines {
            for scalar in line.unicodeScalars where scalar.properties.isAlphabetic {
                switch scalar.value {
                case 0x0590...0x08FF, 0xFB1D...0xFDFF, 0xFE70...0xFEFF: balance += 1
                default: balance -= 1
                }
            }
        }
        return balance > 0
    }

    func paragraphs() -> [LayoutBlock] {
        guard let iterator = TessBaseAPIGetIterator(api) else { return [] }
        defer { TessResultIteratorDelete(iterator) }
        var blocks: [LayoutBlock] = []
        repeat {
            guard let raw = TessResultIteratorGetUTF8Text(iterator, RIL_PARA) else { continue }
            let text = String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
            TessDeleteText(raw)
            var left: Int32 = 0
            var top: Int32 = 0
            var right: Int32 = 0
            var bottom: Int32 = 0
            guard !text.isEmpty,
                TessPageIteratorBoundingBox(TessResultIteratorGetPageIterator(iterator), RIL_PARA, &left, &top, &right, &bottom) != 0
            else { continue }
            blocks.append(LayoutBlock(type: "text", box: [Int(left), Int(top), Int(right), Int(bottom)], text: text))
        } while TessResultIteratorNext(iterator, RIL_PARA) != 0
        return blocks
    }

    func clear() { TessBaseAPIClear(api) }
}

/// Hands out handles, at most `limit` in use at once; callers beyond that wait their turn.
final class HandlePool: Sendable {
    private struct State {
        var idle: [TesseractHandle] = []
        var created = 0
        var waiters: [CheckedContinuation<TesseractHandle, Never>] = []
    }

    private let limit: Int
    private let state = Mutex(State())

    init(limit: Int) { self.limit = limit }

    func acquire() async -> TesseractHandle {
        await withCheckedContinuation { continuation in
            let ready: TesseractHandle? = state.withLock { state in
                if let handle = state.idle.popLast() { return handle }
                if state.created < limit {
                    state.created += 1
                    return TesseractHandle()
                }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    func release(_ handle: TesseractHandle) {
        let waiter = state.withLock { state in
            if state.waiters.isEmpty {
                state.idle.append(handle)
                return nil as CheckedContinuation<TesseractHandle, Never>?
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: handle)
    }
}

/// Tesseract's plain text as markdown: paragraphs kept, stray whitespace dropped, and
/// characters that would turn recognised text into markdown syntax escaped.
enum TesseractText {
    static func markdown(_ text: String) -> String {
        var paragraphs: [String] = []
        var current: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                if !current.isEmpty { paragraphs.append(current.joined(separator: "\n")) }
                current = []
            } else {
                current.append(MarkdownWriting.escapeRecognisedLine(trimmed))
            }
        }
        if !current.isEmpty { paragraphs.append(current.joined(separator: "\n")) }
        return paragraphs.joined(separator: "\n\n")
    }

}

/// libgomp reads `OMP_THREAD_LIMIT` once, when the process loads it. Tesseract's OpenMP
/// threads would fight the worker's own page parallelism, so the worker re-executes itself
/// with the limit set before anything else runs.
public enum OpenMPThreadLimit {
    public static func ensureSingleThreaded() {
        guard ProcessInfo.processInfo.environment["OMP_THREAD_LIMIT"] == nil else { return }
        setenv("OMP_THREAD_LIMIT", "1", 1)
        let arguments = CommandLine.arguments
        var argv = arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
        // execv returned: keep running with OpenMP's defaults rather than not at all.
    }
}
