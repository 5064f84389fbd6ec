import CProcessGuard
import Foundation
import Glibc
import NIOPosix
import OCRFleetModel
import Synchronization

/// One document's child process, from the worker's side: started confined (CPU time and
/// address-space limits, no network, a process group of its own), asked one request at a
/// time over its stdin and stdout, and killed with its process group when the job stops,
/// whatever the child is doing. Pipe reads and writes, and waiting for the child's end, block
/// a thread of `io`, never Swift's cooperative pool; killing the child ends them.
public final class DocumentChild: Sendable {
    public let pid: Int32
    private let requests: FileHandle
    private let replies: FileHandle
    private let io: NIOThreadPool
    /// How it ended, once reaped; reaping happens once, on `io`.
    private let ended = Mutex<ChildExit?>(nil)
    private let killed = Atomic<Bool>(false)
    private let busy = Atomic<Bool>(false)
    private let memoryMegabytes: Int
    /// The largest reply a page may need (a 32-bit bitmap of the page pixel limit); a child
    /// that sends more is broken, or hostile.
    private let maxAttachment: Int
    private static let maxMessage = 256 << 20

    /// Starts a child that may use `cpuTime` of CPU: a backstop under the worker's own time
    /// limit, which a child working on one thread never reaches first.
    public init(options: DocumentChildOptions, cpuTime: Duration, maxPagePixels: Int, io: NIOThreadPool) throws(OCRError) {
        _ = Self.brokenPipesIgnored
        var toChild: Int32 = -1
        var fromChild: Int32 = -1
        let pid = ocr_document_child_spawn(
            options.executable,
            Int(max(1, cpuTime.components.seconds)),
            options.memoryMegabytes,
            options.tessdata,
            options.testFaults ? 1 : 0,
            &toChild,
            &fromChild
        )
        guard pid > 0 else {
            throw OCRError(.internal, "cannot start \(options.executable): \(String(cString: strerror(errno)))")
        }
        self.pid = pid
        requests = FileHandle(fileDescriptor: toChild, closeOnDealloc: true)
        replies = FileHandle(fileDescriptor: fromChild, closeOnDealloc: true)
        self.io = io
        memoryMegabytes = options.memoryMegabytes
        maxAttachment = 4 * maxPagePixels + (1 << 20)
    }

    deinit {
        kill()
        // The child is dead or dying: reap it off this thread, so it is no zombie.
        guard ended.withLock({ $0 }) == nil else { return }
        let (pid, io) = (self.pid, self.io)
        Task.detached { _ = try? await io.runIfActive { ocr_child_reap(pid) } }
    }

    private static let brokenPipesIgnored: Void = { _ = ocr_process_ignore_broken_pipes() }()

    /// Sends `request` and waits for its reply. Cancelling the task kills the child: the
    /// exchange then fails as `cancelled`. A child that dies by itself fails it with what its
    /// end means (`ChildExit`); `doing` names the work for that message ("reading page 3").
    public func exchange(_ request: ChildRequest, doing: String) async throws(OCRError) -> (ChildReply, [UInt8]) {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            throw OCRError(.internal, "two requests at once to a document's process")
        }
        defer { busy.store(false, ordering: .releasing) }
        let (requests, replies, maxAttachment) = (self.requests, self.replies, self.maxAttachment)
        let outcome: Result<(ChildReply, [UInt8]), any Error>
        do {
            outcome = try await withTaskCancellationHandler {
                try await io.runIfActive {
                    Result {
                        try FrameChannel.write(request, to: requests)
                        return try FrameChannel.read(
                            ChildReply.self,
                            from: replies,
                            maxMessage: Self.maxMessage,
                            maxAttachment: maxAttachment
                        )
                    }
                }
            } onCancel: {
                self.kill()
            }
        } catch {
            kill()
            throw OCRError(.cancelled, "the worker is stopping")
        }
        switch outcome {
        case .success(let answer):
            if Task.isCancelled { throw OCRError(.cancelled, "the job was stopped") }
            return answer
        case .failure(let failure):
            throw await error(after: failure, doing: doing)
        }
    }

    /// Why the pipe failed: the worker's own kill, or how the child ended. The pipe ends as
    /// the child dies and its status follows at once; a child that broke off a reply but
    /// lives on is killed after `reapDelay`.
    private func error(after failure: any Error, doing: String) async -> OCRError {
        if killed.load(ordering: .acquiring) { return OCRError(.cancelled, "the job was stopped") }
        let reaper = Task { [self] in
            try await Task.sleep(for: Self.reapDelay)
            kill()
        }
        let exit = await reaped()
        reaper.cancel()
        guard !killed.load(ordering: .acquiring) else {
            if Task.isCancelled { return OCRError(.cancelled, "the job was stopped") }
            return OCRError(.internal, "the document's process broke off its reply while \(doing) and was killed: \(failure)")
        }
        guard let exit else { return OCRError(.internal, "the document's process cannot be waited for: \(failure)") }
        return exit.error(doing: doing, memoryMegabytes: memoryMegabytes)
    }

    static let reapDelay = Duration.seconds(5)

    /// Waits on `io` for the child to end; nil if it cannot be waited for.
    private func reaped() async -> ChildExit? {
        if let exit = ended.withLock({ $0 }) { return exit }
        let pid = self.pid
        guard let status = try? await io.runIfActive({ ocr_child_reap(pid) }), status != -1000 else { return nil }
        let exit = ChildExit(reaped: status)
        ended.withLock { $0 = exit }
        return exit
    }

    /// SIGKILL to the child's process group, once; its pipes then end. Not after it was
    /// reaped: its pid may be another process's by then.
    public func kill() {
        guard !killed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        ended.withLock { exit in
            guard exit == nil else { return }
            _ = Glibc.kill(-pid, SIGKILL)
        }
    }

    /// Whether a child can confine itself here: nil when it can, else why not.
    public static func check(_ options: DocumentChildOptions) async -> String? {
        guard FileManager.default.isExecutableFile(atPath: options.executable) else {
            return "\(options.executable) is missing"
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: options.executable)
        process.arguments = ["--check"]
        process.environment = ["PATH": "/usr/bin:/bin", "SWIFT_BACKTRACE": "enable=no"]
        process.standardInput = FileHandle.nullDevice
        let status: Int32? = await withCheckedContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(returning: nil)
            }
        }
        guard let status else { return "cannot start \(options.executable)" }
        guard process.terminationReason == .exit, status == 0 else {
            return "\(options.executable) --check failed (status \(status)): it cannot keep itself off the network here"
        }
        return nil
    }
}
