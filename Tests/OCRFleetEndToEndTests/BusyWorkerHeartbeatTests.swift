import Foundation
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import Synchronization
import Testing

/// A worker whose every job slot converts an office file, one per core, for longer than the
/// ack wait: its in-progress acks keep their pace, so no job is delivered again (to another
/// worker, or to itself).
@Suite(.serialized) struct BusyWorkerHeartbeatTests {
    /// Twice the shortest ack wait the worker accepts; in-progress acks go out every third of
    /// it. With the shortest, the other suites running in the same test process on two cores
    /// could hold a beat back past it, and the test would fail for their load, not this worker's.
    static let ackWait = Duration.seconds(10)
    /// Each conversion keeps a core busy for more than two ack waits.
    static let conversion = Duration.seconds(22)

    @Test func heartbeatsKeepTheirPaceWhileEveryCoreConverts() async throws {
        // One conversion per core fills Swift's cooperative pool if anything of it blocks
        // there (at most 8, so a large machine does not spend minutes here).
        let slots = min(8, max(2, ProcessInfo.processInfo.activeProcessorCount))
        let soffice = try Self.busyLibreOffice()
        defer { try? FileManager.default.removeItem(atPath: (soffice as NSString).deletingLastPathComponent) }
        let environment = [
            "OCR_ACK_WAIT_S": "\(Self.ackWait.components.seconds)", "OCR_MAX_JOBS": "\(slots)",
            "OCR_LIBREOFFICE": soffice, "OCR_OFFICE_SANDBOX": "off", "OCR_MAX_DELIVER": "5",
        ]
        try await withFleet(workerEnvironment: environment) { fleet in
            // Every ack of a job's delivery goes to the delivery's own subject under this one.
            let ackSubscription = try CoreSubscription(connection: fleet.nats, subject: "$JS.ACK.\(StreamNames.jobs).>")
            let acks = AckLog()
            let ackListener = Task { for await message in ackSubscription { acks.heard(message.subject) } }
            let recorder = try fleet.recordEvents()
            try await fleet.nats.flush()
            let jobIDs = (0..<slots).map { "busy-\($0)" }
            for jobID in jobIDs {
                try await fleet.submit(file: Fixtures.path("office/handbook.odt"), jobID: jobID)
            }
            // Once the worker holds every job, another worker with room asks for jobs too:
            // whatever it is given is a job delivered twice.
            // Until the worker has started, the server lists no consumer.
            let holdsAll = try await eventually(within: .seconds(60)) {
                (try? await fleet.server.workerConsumerCounts())?.holdsAll(slots) == true
            }
            guard holdsAll else { throw TestEnvironmentError("the worker did not take every job") }
            let anotherWorker = try await PullConsumer(connection: fleet.nats)
            let redelivered = Task {
                var jobs: [String] = []
                while !Task.isCancelled {
                    let fetched = (try? await anotherWorker.fetch(max: 1, wait: .seconds(1))) ?? []
                    jobs += fetched.map { JobEvent.salvageJobID(body: $0.payload) ?? "?" }
                }
                return jobs
            }
            let ended = Tally()
            let events = try await recorder.events(timeout: .seconds(180)) { event in
                [.completed, .failed, .cancelled].contains(event.kind) && ended.add() == slots
            }
            redelivered.cancel()
            let deliveredAgain = await redelivered.value
            #expect(deliveredAgain.isEmpty, "delivered again while they ran: \(deliveredAgain)")
            for jobID in jobIDs {
                let state = try await fleet.waitForTerminalState(jobID)
                #expect(state.state == .completed && state.attempts == 1, "\(state)")
                let started = events.filter { $0.kind == .started && $0.data.header.jobID == jobID }
                #expect(started.count == 1, "\(jobID) started \(started.count) times")
            }

            ackSubscription.cancel()
            ackListener.cancel()
            let deliveries = acks.times
            #expect(deliveries.count == slots, "one delivery per job: \(deliveries.keys.sorted())")
            for (delivery, times) in deliveries {
                let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
                let longest = gaps.max() ?? .zero
                #expect(times.count >= 3, "\(delivery): \(times.count) acks in a conversion of \(Self.conversion)")
                #expect(longest < Self.ackWait, "\(delivery): \(longest) between in-progress acks")
            }
        }
    }

    /// A stand-in for `soffice` that keeps a core busy for `conversion`, then writes a PDF
    /// with a text layer where LibreOffice would.
    static func busyLibreOffice() throws -> String {
        let directory = NSTemporaryDirectory() + "ocrfleet-busy-soffice-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = """
            #!/bin/sh
            while [ $# -gt 0 ]; do
                if [ "$1" = "--outdir" ]; then outdir="$2"; fi
                shift
            done
            /usr/bin/timeout \(conversion.components.seconds) /bin/sh -c 'while :; do :; done'
            /bin/cp '\(Fixtures.path("report-3p.pdf"))' "$outdir/document.pdf"
            """
        let path = directory + "/soffice"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }
}

/// When each acknowledgement of a delivery was heard, by the delivery's ack subject.
private final class AckLog: Sendable {
    private let heardAt = Mutex<[String: [ContinuousClock.Instant]]>([:])

    func heard(_ subject: String) {
        let now = ContinuousClock.now
        heardAt.withLock { $0[subject, default: []].append(now) }
    }

    var times: [String: [ContinuousClock.Instant]] { heardAt.withLock { $0 } }
}

private final class Tally: Sendable {
    private let count = Mutex(0)

    /// Counts one more; the count so far.
    func add() -> Int {
        count.withLock {
            $0 += 1
            return $0
        }
    }
}
