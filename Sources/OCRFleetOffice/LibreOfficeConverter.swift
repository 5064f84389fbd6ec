import Foundation
import OCRFleetModel
import Subprocess

/// Converts office files with LibreOffice headless (to PDF, or legacy spreadsheets to XLSX,
/// which is read from its XML like any other): a private profile per conversion
/// (so conversions run side by side), inside the sandbox that keeps it off the network
/// (refused when the sandbox is required and none works here), and its whole process group
/// killed when it runs over its time limit or the job stops.
public struct LibreOfficeConverter: Sendable {
    public var timeLimit: Duration
    /// `soffice`, or nil when LibreOffice is not installed.
    public let executable: String?
    public let sandbox: OfficeSandbox

    /// `executable` nil: the usual install places are searched.
    public init(timeLimit: Duration, executable: String? = nil, sandbox: OfficeSandbox) {
        self.timeLimit = timeLimit
        let candidates = executable.map { [$0] } ?? Self.installPlaces
        self.executable = candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
        self.sandbox = sandbox
    }

    public static let installPlaces = [
        "/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice", "/usr/local/bin/soffice",
    ]

    static let packages = "libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui"

    /// What a conversion makes.
    public enum Target: String, Sendable {
        case pdf, xlsx
    }

    /// A converted file, and what LibreOffice printed while converting it.
    public struct Conversion: Sendable {
        public var output: String
        public var messages: NativeMessages
    }

    /// Converts `path` (an office file of `format`) into a `target` file inside `directory`.
    public func convert(
        _ path: String,
        format: OfficeFormat,
        to target: Target,
        in directory: String
    ) async throws(OCRError) -> Conversion {
        guard let executable else {
            throw OCRError(
                .unsupportedFormat,
                "\(format.rawValue.uppercased()) files are converted by LibreOffice, which this worker lacks "
                    + "(apt-get install \(Self.packages))"
            )
        }
        guard sandbox.allowsConversion else {
            throw OCRError(
                .unsupportedFormat,
                "\(format.rawValue.uppercased()) files are converted by LibreOffice, which this worker runs only "
                    + "without network, and no sandbox works here (OCR_OFFICE_SANDBOX=required)"
            )
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
        let arguments = sandbox.wrap([
            executable, "--headless", "--invisible", "--nologo", "--norestore", "--nolockcheck", "--nodefault",
            "-env:UserInstallation=file://\(work)/profile", "--convert-to", target.rawValue, "--outdir", output, input,
        ])
        let outcome: ChildProcess.Outcome
        do {
            // A stopped job stops its conversion: the task's cancellation kills LibreOffice's group.
            outcome = try await ChildProcess.run(
                arguments,
                environment: ["HOME": work, "PATH": "/usr/bin:/bin"],
                library: "libreoffice",
                timeLimit: timeLimit
            )
        } catch {
            throw OCRError(.internal, "cannot start LibreOffice: \(error)")
        }
        let converted = "\(output)/document.\(target.rawValue)"
        guard let status = outcome.status else {
            throw OCRError(
                .engineTimeout,
                "LibreOffice did not convert the \(format.rawValue.uppercased()) within \(timeLimit.components.seconds) s"
            )
        }
        guard outcome.succeeded, FileManager.default.fileExists(atPath: converted) else {
            throw OCRError(
                .corruptDocument,
                "LibreOffice cannot convert the \(format.rawValue.uppercased()) (\(status)): \(outcome.tail.suffix(300))"
            )
        }
        return Conversion(output: converted, messages: outcome.messages)
    }
}
