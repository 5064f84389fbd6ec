import Foundation
import Synchronization
import Testing

@testable import OCRFleetOffice

/// Child processes (LibreOffice) run without holding a thread of Swift's cooperative pool.
@Suite struct ChildProcessTests {
    @Test func onlyTheEndOfALongOutputIsKept() async throws {
        let (status, output) = try await ChildProcess.run(
            ["/bin/sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' x; echo the end"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(status == 0)
        #expect(output.utf8.count == ChildProcess.keptOutput && output.hasSuffix("xxthe end\n"))
    }

    /// More children than the pool has threads, each running for two seconds: a task that
    /// ticks meanwhile keeps its pace.
    @Test func childrenRunningLongLeaveThePoolFree() async throws {
        let children = ProcessInfo.processInfo.activeProcessorCount + 1
        let ticks = LongestTick()
        let ticker = Task {
            var last = ContinuousClock.now
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
                let now = ContinuousClock.now
                ticks.saw(now - last)
                last = now
            }
        }
        try await withThrowingTaskGroup(of: Int32.self) { group in
            for _ in 0..<children {
                group.addTask { try await ChildProcess.run(["/bin/sleep", "2"], environment: [:]).0 }
            }
            for try await status in group { #expect(status == 0) }
        }
        ticker.cancel()
        await ticker.value
        let longest = ticks.longest
        #expect(longest < .seconds(1), "the ticker waited \(longest)")
    }
}

private final class LongestTick: Sendable {
    private let value = Mutex(Duration.zero)

    func saw(_ tick: Duration) { value.withLock { $0 = max($0, tick) } }

    var longest: Duration { value.withLock { $0 } }
}
