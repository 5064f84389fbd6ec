import Foundation
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import Testing

/// The queue depth KEDA's `nats-jetstream` scaler scales the workers by.
@Suite(.serialized) struct QueueDepthTests {
    /// The lag as KEDA computes it (pkg/scalers/nats_jetstream_scaler.go, `getMaxMsgLag`):
    /// `num_pending + num_ack_pending` of the consumer, from the server's `/jsz`.
    static func kedaLag(_ server: NATSServerProcess) async throws -> Int {
        let counts = try await server.workerConsumerCounts()
        return counts.pending + counts.ackPending
    }

    @Test func theLagKEDAReadsIsTheQueueAndFallsToZeroAsWorkersDrainIt() async throws {
        try await withFleet(runWorker: false) { fleet in
            // Workers ran before and are scaled to zero now: their durable consumer is there.
            try await FleetTopology().ensureAll(on: fleet.nats)
            let jobs = 12
            for index in 1...jobs {
                try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "queued-\(index)")
            }
            #expect(try await Self.kedaLag(fleet.server) == jobs)

            let worker = try BuiltExecutable.run(
                "ocr-worker",
                [],
                environment: ["OCR_NATS_URL": fleet.server.url, "OCR_LOG_LEVEL": "warning"]
            )
            defer { worker.terminate() }
            var seen: [Int] = []
            let deadline = ContinuousClock.now + .seconds(180)
            while ContinuousClock.now < deadline {
                let lag = try await Self.kedaLag(fleet.server)
                if seen.last != lag { seen.append(lag) }
                if lag == 0 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(seen.last == 0, "lag seen: \(seen)")
            #expect(seen == seen.sorted(by: >), "the lag only falls: \(seen)")
            for index in 1...jobs {
                #expect(try await fleet.waitForTerminalState("queued-\(index)").state == .completed)
            }
        }
    }
}
