import Foundation
import OCRFleetBus
import OCRFleetContent
import OCRFleetModel
import OCRFleetTesting
import Testing

/// `ocrctl review` and `ocrctl extraction --version`: the built executable against a gateway
/// with tokens and no worker, the job's review opened by the test as the worker will open it.
@Suite(.serialized) struct OCRCtlReviewTests {
    static func ocrctl(_ arguments: [String], _ fleet: TestFleet) async throws -> (status: Int32, output: String) {
        try await DeadLetterCommandTests.run(["review"] + arguments + ["--gateway", fleet.gatewayURL, "--token", "tokA"])
    }

    static func object(_ line: String) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    }

    @Test func aReviewerListsClaimsAndDecidesFromTheCommandLine() async throws {
        try await withFleet(gatewayEnvironment: ["OCR_API_TOKENS": "tokA:alpha"], runWorker: false) { fleet in
            try await ReviewFixture.complete(
                "alpha=inv-1",
                extractionAt: fleet.store.path(for: "tenants/alpha/results/inv-1.extraction.json"),
                nats: fleet.nats
            )
            try await ReviewFixture.openReview(busID: "alpha=inv-1", tenant: "alpha", crop: nil, nats: fleet.nats)

            let (listed, list) = try await Self.ocrctl(["list", "--state", "open"], fleet)
            #expect(listed == 0)
            let lines = list.split(separator: "\n").map(String.init)
            #expect(lines.count == 3 && lines[0].hasPrefix("inv-1.1 open /total low_confidence confidence=0.55"), "\(list)")

            let (shown, show) = try await Self.ocrctl(["show", "inv-1.2"], fleet)
            #expect(shown == 0 && show.contains("value: \"ACME\"") && show.contains("Total: 12.50"), "\(show)")
            // The document's escape sequence is shown, not sent to the terminal.
            #expect(!show.unicodeScalars.contains("\u{1B}") && show.contains("\\u{1b}]0;owned\\u{7}Ref 7"), "\(show)")

            let (claimed, claim) = try await Self.ocrctl(["claim", "--reviewer", "ada", "--json"], fleet)
            #expect(claimed == 0 && Self.object(claim)?["id"] as? String == "inv-1.1", "\(claim)")
            let (confirmed, confirm) = try await Self.ocrctl(["confirm", "inv-1.1", "--reviewer", "ada"], fleet)
            #expect(confirmed == 0 && confirm.hasPrefix("inv-1.1 confirmed"), "\(confirm)")

            #expect(try await Self.ocrctl(["claim", "inv-1.2", "--reviewer", "ada"], fleet).status == 0)
            let (notJSON, refusal) = try await Self.ocrctl(["correct", "inv-1.2", "--value", "ACME Ltd", "--reviewer", "ada"], fleet)
            #expect(notJSON != 0 && refusal.contains("--value is not JSON"), "\(refusal)")
            let (invalid, invalidAnswer) = try await Self.ocrctl(["correct", "inv-1.2", "--value", "7", "--reviewer", "ada"], fleet)
            #expect(invalid != 0 && invalidAnswer.contains("invalid_correction"), "\(invalidAnswer)")
            let (bob, bobAnswer) = try await Self.ocrctl(["release", "inv-1.2", "--reviewer", "bob"], fleet)
            #expect(bob != 0 && bobAnswer.contains("claim_expired"), "\(bobAnswer)")
            let (corrected, correct) = try await Self.ocrctl(
                ["correct", "inv-1.2", "--value", #""ACME Ltd""#, "--note", "full name", "--reviewer", "ada", "--json"],
                fleet
            )
            let decision = Self.object(correct)?["decision"] as? [String: Any]
            #expect(corrected == 0 && decision?["value"] as? String == "ACME Ltd" && decision?["note"] as? String == "full name", "\(correct)")

            #expect(try await Self.ocrctl(["claim", "--reviewer", "ada"], fleet).status == 0)
            let (released, release) = try await Self.ocrctl(["release", "inv-1.3", "--reviewer", "ada"], fleet)
            #expect(released == 0 && release.hasPrefix("inv-1.3 open"), "\(release)")
            #expect(try await Self.ocrctl(["claim", "inv-1.3", "--reviewer", "ada"], fleet).status == 0)
            #expect(try await Self.ocrctl(["reject", "inv-1.3", "--reviewer", "ada"], fleet).status == 0)
            let (nothing, none) = try await Self.ocrctl(["claim", "--reviewer", "ada"], fleet)
            #expect(nothing == 3 && none.contains("nothing open"), "\(nothing) \(none)")
            let (audited, trail) = try await Self.ocrctl(["audit", "inv-1.3"], fleet)
            let actions = trail.split(separator: "\n").map { $0.split(separator: " ").dropFirst().first.map(String.init) ?? "" }
            #expect(audited == 0 && actions == ["claim", "release", "claim", "reject"], "\(trail)")
            #expect(trail.contains("reject by=ada before=\"2024-01-31\" after=null"), "\(trail)")

            let (printed, extraction) = try await DeadLetterCommandTests.run(
                ["extraction", "inv-1", "--gateway", fleet.gatewayURL, "--token", "tokA"]
            )
            let values = ReviewFixture.values(of: extraction)
            #expect(printed == 0 && values?["vendor"] as? String == "ACME Ltd" && values?["date"] is NSNull, "\(extraction)")
            let (original, first) = try await DeadLetterCommandTests.run(
                ["extraction", "inv-1", "--version", "1", "--gateway", fleet.gatewayURL, "--token", "tokA"]
            )
            #expect(original == 0 && ReviewFixture.values(of: first)?["vendor"] as? String == "ACME", "\(first)")
        }
    }
}
