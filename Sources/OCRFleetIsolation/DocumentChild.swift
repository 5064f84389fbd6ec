import CProcessGuard
import Foundation
import Glibc
import NIOPosix
import OCRFleetModel
import Subprocess
import Synchronization
import SystemPackage

/// One document's child process, from the worker's side: started by swift-subprocess in a
/// process group of its own with nothing of the worker's but its pipes (it confines itself
/// before it reads a byte: limits, no network), asked one request at a time over its stdin
/// and stdout, and killed with its process group when the job stops, whatever the child is
/// doing. Pipe reads and writes block a thread of `io`, never Swift's cooperative pool;
/// killing the child ends them. swift-subprocess awaits its end without a thread and reaps it.
public final class DocumentChild: Sendable {
    public let pid: Int32
    private let requests: FileHandle
    private let replies: FileHandle
    private let io: NIOThreadPool
    /// Runs the child to its end and reaps it; cancelling it kills the child's process group
    /// (swift-subprocess's teardown, which skips the signal once the child is reaped).
    private let runner: Task<TerminationStatus, any Error>
    private let killed = Atomic<Bool>(false)
    private let busy = Atomic<Bool>(false)
    /// What the native libraries said about the document, as of the last reply.
    private let said = Mutex(NativeMessages())
    private let memoryMegabytes: Int
    /// The largest reply a page may need (a 32-bit bitmap of the page pixel limit); a child
    /// that sends more is broken, or hostile.
    private let maxAttachment: Int
    private static let maxMessage = 256 << 20

    /// Starts a child that may use `cpuTime` of CPU: a backstop under the worker's own time
    /// limit, which a child working on one thread never reaches first.
    public init(options: DocumentChildOptions, cpuTime: Duration, maxPagePixels: Int, io: NIOThreadPool) async throws(OCRError) {
        _ = Self.brokenPipesIgnored
        var (childInput, toChild, fromChild, childOutput): (Int32, Int32, Int32, Int32) = (-1, -1, -1, -1)
        guard ocr_pipe(&childInput, &toChild) == 0 else { throw Self.cannotStart(options) }
        guard ocr_pipe(&fromChild, &childOutput) == 0 else {
            let failure = Self.cannotStart(options)
            close(childInput)
            close(toChild)
            throw failure
        }
        var arguments = ["--cpu-seconds", "\(max(1, cpuTime.components.seconds))", "--memory-mb", "\(options.memoryMegabytes)"]
        if let tessdata = options.tessdata { arguments += ["--tessdata", tessdata] }
        if options.testFaults { arguments.append("--test-faults") }
        let configuration = Configuration(
            executable: .path(FilePath(options.executable)),
            arguments: Arguments(arguments),
            environment: Self.environment,
            platformOptions: Self.platformOptions
        )
        let (started, starting) = AsyncStream.makeStream(of: Int32.self)
        let runner = Task {
            defer { starting.finish() }
            return try await Subprocess.run(
                configuration,
                input: .fileDescriptor(FileDescriptor(rawValue: childInput), closeAfterSpawningProcess: true),
                output: .fileDescriptor(FileDescriptor(rawValue: childOutput), closeAfterSpawningProcess: true),
                // The child's own stderr carries only why it could not confine itself: after
                // that it captures its stderr and sends what libraries print in its replies.
                error: .currentStandardError
            ) { execution in
                starting.yield(execution.processIdentifier.value)
            }.terminationStatus
        }
        var pids = started.makeAsyncIterator()
        guard let pid = await pids.next() else {
            runner.cancel()
            close(toChild)
            close(fromChild)
            if case .failure(let error) = await runner.result, !(error is CancellationError) {
                throw OCRError(.internal, "cannot start \(options.executable): \(error)")
            }
            throw OCRError(.cancelled, "the job was stopped")
        }
        self.pid = pid
        self.runner = runner
        requests = FileHandle(fileDescriptor: toChild, closeOnDealloc: true)
        replies = FileHandle(fileDescriptor: fromChild, closeOnDealloc: true)
        self.io = io
        memoryMegabytes = options.memoryMegabytes
        maxAttachment = 4 * maxPagePixels + (1 << 20)
    }

    /// PATH and one OpenMP thread, none of the worker's credentials; a crash ends the child
    /// at once rather than in Swift's backtracer.
    static let environment = Environment.custom([
        "PATH": "/usr/bin:/bin", "OMP_THREAD_LIMIT": "1", "SWIFT_BACKTRACE": "enable=no",
    ])

    /// A process group of its own, so one signal kills it and anything it started; on a
    /// stop, SIGKILL to that group at once. (swift-subprocess spawns with every descriptor
    /// from 3 up closed and every signal unblocked and at its default.)
    static let platformOptions: PlatformOptions = {
        var options = PlatformOptions()
        options.processGroupID = 0
        options.teardownSequence = [.send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .seconds(1))]
        return options
    }()

    private static func cannotStart(_ options: DocumentChildOptions) -> OCRError {
        OCRError(.internal, "cannot start \(options.executable): \(String(cString: strerror(errno)))")
    }

    /// What the native libraries (poppler, Leptonica, Tesseract) said about the document so
    /// far, as the child last reported it.
    public var nativeMessages: NativeMessages { said.withLock { $0 } }

    deinit {
        // The runner reaps the child once it is dead, off any thread of ours.
        kill()
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
        let outcome: Result<(ChildReplyFrame, [UInt8]), any Error>
        do {
            outcome = try await withTaskCancellationHandler {
                try await io.runIfActive {
                    Result {
                        try FrameChannel.write(request, to: requests)
                        return try FrameChannel.read(
                            ChildReplyFrame.self,
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
        case .success(let (frame, attachment)):
            said.withLock { $0 = frame.messages }
            if Task.isCancelled { throw OCRError(.cancelled, "the job was stopped") }
            return (frame.reply, attachment)
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

    /// Waits for the child to end (swift-subprocess reaps it); nil if it cannot be waited for.
    private func reaped() async -> ChildExit? {
        switch await runner.result {
        case .success(.exited(let status)): .exited(status)
        case .success(.signaled(let signal)): .signaled(signal)
        case .failure: nil
        }
    }

    /// SIGKILL to the child's process group, once; its pipes then end. swift-subprocess checks
    /// that the child is not reaped just before it signals the group (by `kill(-pgid)`: a
    /// process descriptor cannot reach a group), so only a child reaped in the instant
    /// between that check and the signal leaves its group id free to be taken; the kernel
    /// hands out pids in order, so another group with that id then is not a practical risk.
    public func kill() {
        guard !killed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        runner.cancel()
    }

    /// Whether a child can confine itself here: nil when it can, else why not.
    public static func check(_ options: DocumentChildOptions) async -> String? {
        guard FileManager.default.isExecutableFile(atPath: options.executable) else {
            return "\(options.executable) is missing"
        }
        let status: TerminationStatus
        do {
            status = try await Subprocess.run(
                .path(FilePath(options.executable)),
                arguments: ["--check"],
                environment: environment,
                platformOptions: platformOptions,
                output: .discarded,
                error: .currentStandardError
            ).terminationStatus
        } catch {
            return "cannot start \(options.executable): \(error)"
        }
        guard status == .exited(0) else {
            return "\(options.executable) --check failed (\(status)): it cannot keep itself off the network here"
        }
        return nil
    }
}
