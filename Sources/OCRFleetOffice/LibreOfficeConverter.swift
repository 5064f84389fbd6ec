import Foundation
import OCRFleetModel

/// Converts office files to PDF with LibreOffice headless: a private profile per conversion
/// (so conversions run side by side), no network where the kernel allows an unprivileged
/// network namespace, and the whole process group killed when it runs over its time limit.
public struct LibreOfficeConverter: Sendable {
    public var timeLimit: Duration
    /// `soffice`, or nil when LibreOffice is not installed.
    public let executable: String?
    /// `unshare -rn` works here: conversions run without network.
    public let isolatesNetwork: Bool

    /// `executable` nil: the usual install places are searched.
    public init(timeLimit: Duration, executable: String? = nil) {
        self.timeLimit = timeLimit
        let candidates = executable.map { [$0] } ?? Self.installPlaces
        self.executable = candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
        isolatesNetwork = Self.succeeds("/usr/bin/unshare", ["-rn", "true"])
    }

    public static let installPlaces = [
        "/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice", "/usr/local/bin/soffice",
    ]

    static let packages = "libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui"

    /// Converts `path` (an office file of `format`) into a PDF inside `directory`; its path.
    public func convertToPDF(_ path: String, format: OfficeFormat, in directory: String) async throws(OCRError) -> String {
        guard let executable else {
            throw OCRError(
                .unsupportedFormat,
                "\(format.rawValue.uppercased()) files are converted by LibreOffice, which this worker lacks "
                    + "(apt-get install \(Self.packages))")
        }
        let work = directory + "/libreoffice"
        let input = "\(work)/document.\(format.rawValue)"
        let output = "\(work)/out"
        do {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            // LibreOffice picks its import filter partly by extension.
            try FileManager.default.linkItem(atPath: path, toPath: input)
        } catch {
            throw OCRError(.internal, "cannot prepare the LibreOffice conversion: \(error)")
        }
        let seconds = max(1, Int(timeLimit.components.seconds))
        var arguments = [
            "/usr/bin/timeout", "--kill-after=5", "\(seconds)", executable, "--headless", "--invisible", "--nologo",
            "--norestore", "--nolockcheck", "--nodefault", "-env:UserInstallation=file://\(work)/profile",
            "--convert-to", "pdf", "--outdir", output, input,
        ]
        if isolatesNetwork { arguments = ["/usr/bin/unshare", "-rn"] + arguments }
        let (status, log) = try await Self.run(arguments, environment: ["HOME": work, "PATH": "/usr/bin:/bin"])
        let pdf = "\(output)/document.pdf"
        if status == 124 || status == 137 {
            throw OCRError(.engineTimeout, "LibreOffice did not convert the \(format.rawValue.uppercased()) within \(seconds) s")
        }
        guard status == 0, FileManager.default.fileExists(atPath: pdf) else {
            throw OCRError(
                .corruptDocument,
                "LibreOffice cannot convert the \(format.rawValue.uppercased()) (exit \(status)): \(log.suffix(300))")
        }
        return pdf
    }

    private static func succeeds(_ executable: String, _ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Runs a command to its end without blocking a Swift task; its exit status and output.
    private static func run(_ arguments: [String], environment: [String: String]) async throws(OCRError) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        let output = Task.detached { pipe.fileHandleForReading.readDataToEndOfFile() }
        do {
            // A stopped job stops its conversion: `timeout` passes the signal to LibreOffice.
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    process.terminationHandler = { _ in continuation.resume() }
                    do {
                        try process.run()
                    } catch {
                        process.terminationHandler = nil
                        continuation.resume(throwing: error)
                    }
                }
            } onCancel: {
                if process.isRunning { process.terminate() }
            }
        } catch {
            throw OCRError(.internal, "cannot start LibreOffice: \(error)")
        }
        try? pipe.fileHandleForWriting.close()
        let log = String(decoding: await output.value, as: UTF8.self)
        return (process.terminationStatus, log)
    }
}
