import Foundation
import OCRFleetAPI
import OCRFleetBus
import OCRFleetClient
import OCRFleetModel
import OCRFleetTesting
import Synchronization
import Testing

/// Purging jobs a worker ran, each component on its own NATS user (docs/storage.md#purging-a-job).
@Suite(.serialized) struct JobPurgeEndToEndTests {
    @Test func aCompletedAndAFailedJobArePurgedWithTheirDeadLettersAndTheOtherJobsStay() async throws {
        try await withFleet(gatewayEnvironment: ["OCR_API_TOKENS": "tok-a:alpha"], natsUsers: true) { fleet in
            let client = try fleet.client(token: "tok-a")
            // A job's end is purged once its terminal event is out (the state is written first).
            let ends = try fleet.recordEvents()
            try await fleet.nats.flush()
            _ = try await client.submit(file: Fixtures.path("invoice.png"), jobID: "done")
            _ = try await client.submit(file: Fixtures.path("invoice.png"), jobID: "kept")
            _ = try await client.submit(file: Fixtures.path("bad/html-named.pdf"), jobID: "broken")
            let ending = Atomic(0)
            let ended = try await ends.events { event in
                guard event.data.body.endsJob else { return false }
                return ending.add(1, ordering: .relaxed).newValue == 3
            }
            #expect(Set(ended.filter { $0.data.body.endsJob }.map(\.kind)) == [.completed, .failed])
            let letters = DeadLetterQueue(connection: fleet.nats, states: try await JobStateStore(connection: fleet.nats))
            #expect(try await letters.find("alpha=broken") != nil)

            let done = try await client.purge("done")
            #expect(done.objects >= 3 && done.events >= 2 && done.deadLetters == 0, "\(done)")
            let broken = try await client.purge("broken")
            #expect(broken.deadLetters == 1, "\(broken)")
            #expect(try await letters.find("alpha=broken") == nil)
            for id in ["done", "broken"] {
                #expect(try await fleet.request("GET", "/v1/jobs/\(id)", token: "tok-a").status == 404)
                let events = try await StoredMessages(connection: fleet.nats, stream: StreamNames.events)
                    .counts(bySubject: Subjects.events(jobID: "alpha=\(id)"))
                #expect(events.isEmpty, "\(id): \(events)")
            }
            // The other job is whole, and ocrctl says what a purge removed.
            let (status, markdown) = try await fleet.request("GET", "/v1/jobs/kept/result", token: "tok-a")
            #expect(status == 200 && Fixtures.words(markdown).contains("garden"))
            let purged = try await DeadLetterCommandTests.run(["purge", "kept", "--json", "--gateway", fleet.gatewayURL, "--token", "tok-a"])
            #expect(purged.status == 0 && purged.output.contains(#""job_id":"kept""#), "\(purged.output)")
            // The id stays taken by the job's tombstone.
            await #expect(throws: GatewayError.self) {
                _ = try await client.submit(file: Fixtures.path("invoice.png"), jobID: "done")
            }
            #expect(NATSUserTests.violations(fleet).isEmpty, "\(NATSUserTests.violations(fleet))")
        }
    }
}
