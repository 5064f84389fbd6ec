import Foundation
import OCRFleetModel
import Synchronization
import Testing

@testable import OCRFleetOffice

/// Child processes (LibreOffice) run without holding a thread of Swift's cooperative pool.
@Suite struct ChildProcessTests {
    @Test func onlyTheEndOfALongOutputIsKept() async throws {
        let outcome = try await ChildProcess.run(
            ["/bin/sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' x; echo the end; echo a warning >&2"],
            environment: ["PATH": "/usr/bin:/bin"],
            library: "sh",
            timeLimit: .seconds(60)
        )
        #expect(outcome.succeeded)
        #expect(outcome.tail.utf8.count == ChildProcess.keptOutput && outcome.tail.hasSuffix("xxthe end\na warning\n"))
        // A million bytes without a newline are one message, cut; stderr's line another.
        #expect(outcome.messages.counts == ["sh.stdout": 1, "sh.stderr": 1])
        #expect(outcome.messages.worst == .warning)
        #expect(outcome.messages.first.allSatisfy { $0.utf8.count < 300 })
    }

    /// More children than the pool has threads, each running for a while: the test sees them
    /// all start while none has ended, by polling on the pool itself (an order, not a timing:
    /// a pool held by the children would let the poll run again only once one had ended).
    @Test func childrenRunningLongLeaveThePoolFree() async throws {
        let children = ProcessInfo.processInfo.activeProcessorCount + 1
        let markers = NSTemporaryDirectory() + "ocrfleet-children-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: markers, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: markers) }
        let ended = EndedChildren()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<children {
                group.addTask {
                    let outcome = try await ChildProcess.run(
                        ["/bin/sh", "-c", "touch \"$0/$$\"; exec sleep 8", markers],
                        environment: [:],
                        library: "sh",
                        timeLimit: .seconds(60)
                    )
                    #expect(outcome.succeeded)
                    ended.count.add(1, ordering: .relaxed)
                }
            }
            var started = 0
            while started < children, ended.count.load(ordering: .relaxed) == 0 {
                try await Task.sleep(for: .milliseconds(20))
                started = try FileManager.default.contentsOfDirectory(atPath: markers).count
            }
            #expect(started == children && ended.count.load(ordering: .relaxed) == 0, "every child started before any ended")
            try await group.waitForAll()
        }
    }
}

private final class EndedChildren: Sendable {
    let count = Atomic<Int>(0)
}
