import Foundation
import NIOPosix
import OCRFleetDocuments
import OCRFleetIsolation
import OCRFleetModel
import OCRFleetTesting
import Testing

/// `ocr-document-child` as the worker drives it: confined, asked page by page, killed mid-page.
@Suite struct DocumentChildTests {
    static let threads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    static func child(testFaults: Bool = false) async throws -> DocumentChild {
        let options = DocumentChildOptions(
            executable: BuiltExecutable.path("ocr-document-child"),
            memoryMegabytes: 3072,
            tessdata: nil,
            testFaults: testFaults
        )
        return try await DocumentChild(options: options, cpuTime: .seconds(120), maxPagePixels: 120_000_000, io: threads)
    }

    static func open(_ child: DocumentChild, _ path: String) async throws -> ChildReply {
        try await child.exchange(
            .open(ChildOpening(path: path, format: .pdf, password: nil, limits: DocumentLimits())),
            doing: "opening"
        ).0
    }

    static func file(_ data: Data) throws -> String {
        let path = NSTemporaryDirectory() + "ocrfleet-child-\(UUID().uuidString.prefix(8)).pdf"
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func theChildKeepsItselfOffTheNetwork() async {
        let options = DocumentChildOptions(
            executable: BuiltExecutable.path("ocr-document-child"),
            memoryMegabytes: 3072,
            tessdata: nil
        )
        #expect(await DocumentChild.check(options) == nil)
        var missing = options
        missing.executable = "/nonexistent/ocr-document-child"
        #expect(await DocumentChild.check(missing)?.contains("missing") == true)
    }

    @Test func aChildReadsRendersAndRecognisesAPDFsPages() async throws {
        let child = try await Self.child()
        let opened = try await Self.open(child, Fixtures.path("report-3p.pdf"))
        #expect(opened == .opened(pageCount: 3, hasTextLayer: true))
        guard case .text(let text) = try await child.exchange(.text(page: 0, includeInvisible: false), doing: "text").0 else {
            Issue.record("no text")
            return
        }
        #expect(text.words.count > 20)
        let rendering = ChildRendering(page: 1, target: .dpi(100), gray: true, straighten: false, knownScanned: nil)
        let (reply, bytes) = try await child.exchange(.render(rendering), doing: "render")
        guard case .image(let resolution) = reply,
            let image = PageImage(serialized: bytes, resolution: resolution, maxPixels: 120_000_000)
        else {
            Issue.record("no bitmap: \(reply)")
            return
        }
        #expect(image.width == 850 && image.height == 1100 && image.resolution == 100)
        let recognition = ChildRecognition(page: 0, dpi: 150, languages: ["eng"], pageTimeout: .seconds(60), straighten: false)
        guard case .recognized(let markdown, let width, _, _, _) = try await child.exchange(.recognize(recognition), doing: "ocr").0
        else {
            Issue.record("not recognised")
            return
        }
        #expect(width == 1275 && Fixtures.recall(truth: text.words.map(\.text).joined(separator: " "), recognised: markdown) > 0.8)
        do {
            _ = try await child.exchange(.text(page: 7, includeInvisible: false), doing: "text")
        } catch {
            Issue.record("a page out of range is a failed reply, not a dead child: \(error)")
        }
    }

    @Test func aBitmapWhoseHeaderLiesIsRefused() throws {
        guard let page = PageImage(decoding: [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("invoice.png")))))
        else {
            Issue.record("invoice.png does not decode")
            return
        }
        let bytes = try #require(page.serialized())
        let copy = try #require(PageImage(serialized: bytes, resolution: 300, maxPixels: 120_000_000))
        #expect(copy.width == page.width && copy.height == page.height && copy.resolution == 300)
        #expect(PageImage(serialized: bytes, resolution: 300, maxPixels: page.width * page.height - 1) == nil)
        var taller = bytes
        taller[8] &+= 1
        #expect(PageImage(serialized: taller, resolution: 300, maxPixels: 120_000_000) == nil)
        #expect(PageImage(serialized: Array(bytes.dropLast()), resolution: 300, maxPixels: 120_000_000) == nil)
    }

    @Test func killingTheTaskKillsAChildStuckInAPage() async throws {
        let path = try Self.file(Fixtures.nestedFormPDF(depth: 40))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let child = try await Self.child()
        #expect(try await Self.open(child, path) == .opened(pageCount: 1, hasTextLayer: true))
        let idle = Self.cpuTicks(of: child.pid)
        let reading = Task { try await child.exchange(.text(page: 0, includeInvisible: false), doing: "reading page 1") }
        // Stopped once the child is busy with the page, however fast the machine gets there.
        let busy = ContinuousClock.now + .seconds(30)
        while Self.cpuTicks(of: child.pid) <= idle, ContinuousClock.now < busy { try await Task.sleep(for: .milliseconds(10)) }
        let stopped = ContinuousClock.now
        reading.cancel()
        // The page would never finish on its own: the reply ending at all is the kill's doing.
        await #expect(throws: OCRError(.cancelled, "the job was stopped")) { try await reading.value }
        // Killed and reaped: no process, not even a zombie, is left with its pid.
        while kill(child.pid, 0) == 0, ContinuousClock.now - stopped < .seconds(60) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(kill(child.pid, 0) != 0, "the child \(child.pid) is left behind")
    }

    /// The CPU time a process has used, in clock ticks (user and system, from /proc).
    static func cpuTicks(of pid: pid_t) -> Int {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return 0 }
        // Fields after the command's closing parenthesis, from the 3rd: utime is the 14th, stime the 15th.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return 0 }
        return user + system
    }

    @Test func popplersMessagesComeBackCountedInTheReplies() async throws {
        let path = try Self.file(Fixtures.damagedPDF(operators: 40))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let child = try await Self.child()
        #expect(try await Self.open(child, path) == .opened(pageCount: 1, hasTextLayer: true))
        guard case .text(let layer) = try await child.exchange(.text(page: 0, includeInvisible: false), doing: "text").0 else {
            Issue.record("no text layer")
            return
        }
        #expect(layer.words.map(\.text).joined(separator: " ").contains("damaged"))
        let messages = child.nativeMessages
        #expect((messages.counts["poppler.syntax_error"] ?? 0) >= 40, "\(messages)")
        #expect(messages.worst == .error)
        #expect(messages.first.contains { $0.contains("Unknown operator") }, "\(messages.first)")
        #expect(messages.first.count <= NativeMessages.keptMessages)
    }

    @Test func theTestAbortCrashesOnlyAChildStartedForTests() async throws {
        #expect(DocumentChildServer.testAbortMarker == "%ocrfleet-test-abort")
        let path = try Self.file(Fixtures.markedPDF(DocumentChildServer.testAbortMarker))
        defer { try? FileManager.default.removeItem(atPath: path) }

        let ordinary = try await Self.child()
        #expect(try await Self.open(ordinary, path) == .opened(pageCount: 1, hasTextLayer: true))
        let text = try await ordinary.exchange(.text(page: 0, includeInvisible: false), doing: "reading page 1").0
        guard case .text(let layer) = text else {
            Issue.record("\(text)")
            return
        }
        #expect(layer.words.count > 5)

        let testing = try await Self.child(testFaults: true)
        #expect(try await Self.open(testing, path) == .opened(pageCount: 1, hasTextLayer: true))
        do {
            _ = try await testing.exchange(.text(page: 0, includeInvisible: false), doing: "reading the text of page 1")
            Issue.record("the child did not abort")
        } catch {
            #expect(error.code == .documentCrashed, "\(error)")
            #expect(error.message.contains("SIGABRT") && error.message.contains("page 1"), "\(error)")
        }
    }
}
