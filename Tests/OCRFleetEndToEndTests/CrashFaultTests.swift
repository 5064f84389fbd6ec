import Foundation
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import Synchronization
import Testing
import VLLMDouble

/// Workers SIGKILLed while they run jobs: no job is lost and none completes twice.
@Suite(.serialized) struct CrashFaultTests {
    /// Worker processes, each killed and restarted in turn.
    final class Workers: Sendable {
        let environment: [String: String]
        private let processes = Mutex<[Process]>([])
        let kills = Atomic<Int>(0)

        init(count: Int, environment: [String: String]) throws {
            self.environment = environment
            let started = try (0..<count).map { try Self.start(environment, name: "crash-\($0)") }
            processes.withLock { $0 = started }
        }

        static func start(_ environment: [String: String], name: String) throws -> Process {
            var environment = environment
            environment["OCR_WORKER_NAME"] = name
            return try BuiltExecutable.run("ocr-worker", [], environment: environment)
        }

        func killAndRestart(_ slot: Int, generation: Int) throws {
            let victim = processes.withLock { $0[slot] }
            kill(victim.processIdentifier, SIGKILL)
            victim.waitUntilExit()
            kills.add(1, ordering: .relaxed)
            let replacement = try Self.start(environment, name: "crash-\(slot)-\(generation)")
            processes.withLock { $0[slot] = replacement }
        }

        func stop() {
            for process in processes.withLock({ $0 }) {
                process.terminate()
                process.waitUntilExit()
            }
        }
    }

    /// Preemptible nodes, OOM kills, drains: 60 jobs over three workers, one SIGKILLed and
    /// restarted every 4 s, with the default budgets. A delivery that dies with its worker is
    /// not the job's failure: every job completes, none is dead-lettered, each has one end.
    @Test func killedWorkersLoseNoJobAndEndEachOnce() async throws {
        let jobCount = 60
        var behaviour = VLLMDouble.Behaviour()
        behaviour.recognizeText = false
        // Long enough per job that the kills land mid-job however fast the machine is.
        behaviour.latency = .seconds(2)
        let source = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("invoice.png"))))
        try await withVLLMDouble(behaviour) { vllm in
            try await withCountingStore(source: source) { store in
                try await withFleet(runWorker: false) { fleet in
                    let workers = try Workers(
                        count: 3,
                        environment: [
                            "OCR_NATS_URL": fleet.server.url, "OCR_VLLM_URL": vllm.baseURL, "OCR_ENGINE": "deepseek",
                            "OCR_ACK_WAIT_S": "5", "OCR_MAX_JOBS": "2", "OCR_RETRY_BASE_S": "0.2", "OCR_LOG_LEVEL": "error",
                        ]
                    )
                    defer { workers.stop() }
                    let ids = (0..<jobCount).map { "crash-job-\($0)" }
                    for id in ids {
                        let (status, body) = try await fleet.submit(jobID: id, through: store)
                        #expect(status == 202, "\(body)")
                    }

                    let states = try await JobStateStore(connection: fleet.nats)
                    let started = ContinuousClock.now
                    var pending = Set(ids)
                    var generation = 0
                    var lastKill = ContinuousClock.now
                    while !pending.isEmpty, ContinuousClock.now - started < .seconds(400) {
                        for id in pending where try await states.get(id)?.state.isTerminal == true { pending.remove(id) }
                        if !pending.isEmpty, ContinuousClock.now - lastKill >= .seconds(4) {
                            generation += 1
                            try workers.killAndRestart(generation % 3, generation: generation)
                            lastKill = ContinuousClock.now
                        }
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    let elapsed = ContinuousClock.now - started

                    var completed = 0
                    for id in ids where try await states.get(id)?.state == .completed { completed += 1 }
                    let letters = try await StoredMessages(connection: fleet.nats, stream: StreamNames.deadLetters).all()
                    let deadLetters = letters.count
                    let reasons = Set(
                        letters.compactMap { try? CloudEventCoding.decoder().decode(CloudEvent<DeadLetter>.self, from: Data($0.payload)) }
                            .map { "\($0.data.error.code.rawValue): \($0.data.error.message)" }
                    )
                    // Stored terminal events per job.
                    var ends: [String: Int] = [:]
                    for message in try await StoredMessages(connection: fleet.nats, stream: StreamNames.events).all() {
                        let event = try LifecycleEvent.decode(message.payload)
                        if event.data.body.endsJob { ends[event.data.header.jobID, default: 0] += 1 }
                    }
                    let uploads = store.uploads
                    let reuploaded = ids.filter { (uploads[$0] ?? 0) > 1 }.count
                    let kills = workers.kills.load(ordering: .relaxed)
                    print(
                        "crash fault test: \(jobCount) jobs sent, \(completed) completed, \(deadLetters) dead-lettered, "
                            + "\(jobCount - completed - deadLetters) lost, "
                            + "\(ends.values.filter { $0 > 1 }.count) ended twice, "
                            + "\(reuploaded) uploaded twice, \(kills) workers killed, \(elapsed)"
                            + (reasons.isEmpty ? "" : "; dead letters: \(reasons.sorted())")
                    )

                    #expect(kills >= 3, "the run saw kills")
                    #expect(completed == jobCount && deadLetters == 0, "every job completed, none dead-lettered or lost")
                    #expect(ids.allSatisfy { ends[$0] == 1 }, "exactly one terminal event per job")
                    #expect(ids.allSatisfy { (uploads[$0] ?? 0) >= 1 })
                }
            }
        }
    }
}
