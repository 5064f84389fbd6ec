import Foundation

/// How the worker starts documents' children.
public struct DocumentChildOptions: Sendable {
    /// `ocr-document-child`.
    public var executable: String
    /// Address space of one child (`RLIMIT_AS`); allocations past it fail, and the page
    /// fails as `document_crashed` when the library aborts on that.
    public var memoryMegabytes: Int
    /// Tesseract's language data; nil: found as `TesseractEngine` finds it.
    public var tessdata: String?
    /// Whether the child honours `DocumentChildServer.testAbortMarker`. Tests only: no
    /// setting turns it on.
    public var testFaults: Bool

    public init(executable: String = Self.besideExecutable, memoryMegabytes: Int, tessdata: String?, testFaults: Bool = false) {
        self.executable = executable
        self.memoryMegabytes = memoryMegabytes
        self.tessdata = tessdata
        self.testFaults = testFaults
    }

    /// `ocr-document-child` in the directory of the running executable (the worker's, or a
    /// test runner's in the same build directory).
    public static var besideExecutable: String {
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return executable.deletingLastPathComponent().appendingPathComponent("ocr-document-child").path
    }
}
