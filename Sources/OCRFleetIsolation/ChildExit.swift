import Foundation
import OCRFleetModel

/// How a child ended, and what that means for the job.
enum ChildExit: Sendable, Equatable {
    case exited(Int32)
    case signaled(Int32)

    /// The job's error when the child ended by itself while `doing` ("rendering page 3").
    func error(doing: String, memoryMegabytes: Int) -> OCRError {
        switch self {
        case .exited(DocumentChildServer.unconfined):
            return OCRError(.internal, "the document's process could not confine itself (see the worker's log)")
        case .exited(let status):
            return OCRError(.internal, "the document's process exited (status \(status)) while \(doing)")
        case .signaled(SIGXCPU):
            return OCRError(.engineTimeout, "the document's process used up its CPU time limit while \(doing)")
        case .signaled(SIGKILL):
            // Not the worker's kill (that one is told apart before): the kernel's OOM killer,
            // which may have picked the child for the pod's memory, not the file's.
            return OCRError(.internal, "the document's process was killed (out of memory?) while \(doing)")
        case .signaled(let signal):
            return OCRError(
                .documentCrashed,
                "the document's native code crashed (\(Self.name(of: signal))) while \(doing); the file would crash it "
                    + "again (or it needs more than the \(memoryMegabytes) MB a document may use)"
            )
        }
    }

    static func name(of signal: Int32) -> String {
        switch signal {
        case SIGSEGV: "SIGSEGV"
        case SIGABRT: "SIGABRT"
        case SIGBUS: "SIGBUS"
        case SIGILL: "SIGILL"
        case SIGFPE: "SIGFPE"
        case SIGTRAP: "SIGTRAP"
        case SIGSYS: "SIGSYS"
        default: "signal \(signal)"
        }
    }
}
