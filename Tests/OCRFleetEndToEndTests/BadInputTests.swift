import Foundation
import OCRFleetContent
import OCRFleetModel
import OCRFleetTesting
import Testing

/// Every file in `fixtures/bad/` (made by `scripts/make-bad-fixtures.py`) ends as
/// `expected.json` says, one after another in the same worker process, which then still
/// completes a good job. The files go into the store and the jobs name them by URL, so the
/// worker meets even those the gateway's upload would refuse (an empty file).
@Suite(.serialized) struct BadInputTests {
    struct Expectation: Decodable {
        var outcome: String
        var password: String?
    }

    @Test func everyBadFileEndsWithItsCodeAndTheWorkerCarriesOn() async throws {
        let directory = Fixtures.path("bad")
        let expectations = try JSONDecoder().decode(
            [String: Expectation].self,
            from: Data(contentsOf: URL(fileURLWithPath: directory + "/expected.json"))
        )
        #expect(expectations.count >= 25)
        try await withFleet(workerEnvironment: ["OCR_MAX_DELIVER": "1"]) { fleet in
            var outcomes: [String: String] = [:]
            for (index, name) in expectations.keys.sorted().enumerated() {
                let jobID = "bad-\(index)"
                let expires = Date().addingTimeInterval(3600)
                let put = fleet.store.presignedURL(.put, objectKey: "bad/\(index)", expires: expires)
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name)")))
                #expect(try await fleet.request("PUT", String(put.dropFirst(fleet.gatewayURL.count)), body: bytes).status == 200)
                let source = fleet.store.presignedURL(.get, objectKey: "bad/\(index)", expires: expires)
                let password = expectations[name]?.password.map { #", "options": {"password": "\#($0)"}"# } ?? ""
                let job = #"{"job_id": "\#(jobID)", "source": {"url": "\#(source)", "filename": "\#(name)"}\#(password)}"#
                #expect(try await fleet.request("POST", "/v1/jobs", body: Array(job.utf8), contentType: "application/json").status == 202)
                let state = try await fleet.waitForTerminalState(jobID, timeout: .seconds(180))
                outcomes[name] = state.state == .completed ? "completed" : state.error?.code.rawValue ?? state.state.rawValue
            }
            for (name, expectation) in expectations.sorted(by: { $0.key < $1.key }) {
                #expect(outcomes[name] == expectation.outcome, "\(name)")
            }
            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "good-after-bad")
            #expect(try await fleet.waitForTerminalState("good-after-bad").state == .completed)
        }
    }
}
