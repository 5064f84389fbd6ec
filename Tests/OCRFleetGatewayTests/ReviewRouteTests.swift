import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import Testing

@testable import OCRFleetGateway

/// The review API in process, on a real `nats-server`, over items `ReviewFixture` opens as the
/// worker will: tenants, claims, decisions and their refusals, crops, the finished review's
/// version and event, and the review page's headers.
@Suite struct ReviewRouteTests {
    static let tenants = ["OCR_API_TOKENS": "tokA:alpha,tokB:beta"]

    /// alpha's completed job `inv-1` with its three items (the first with a crop).
    static func openAlphaReview(_ gateway: RouteTestGateway, crop: [UInt8] = Self.png) async throws {
        let path = gateway.storeDirectory + "/tenants/alpha/results/inv-1.extraction.json"
        try await ReviewFixture.complete("alpha=inv-1", extractionAt: path, nats: gateway.nats)
        try await ReviewFixture.openReview(busID: "alpha=inv-1", tenant: "alpha", crop: crop, nats: gateway.nats)
    }

    static let png: [UInt8] = Array(FileManager.default.contents(atPath: Fixtures.path("invoice.png")) ?? Data())

    @Test func anotherTenantsItemAnswersExactlyLikeAMissingOne() async throws {
        try await RouteTestGateway.run(Self.tenants) { gateway in
            try await Self.openAlphaReview(gateway)
            let missing = try await gateway.send(.get, "/v1/reviews/inv-9.1", token: "tokB")
            #expect(missing.status == .notFound && missing.error.code == "not_found")
            let routes: [(HTTPRequest.Method, String, String?)] = [
                (.get, "", nil), (.get, "/crop", nil), (.get, "/audit", nil), (.post, "/claim", nil), (.post, "/release", nil),
                (.post, "", #"{"action": "confirm"}"#),
            ]
            for (method, path, body) in routes {
                let answer = try await gateway.send(
                    method,
                    "/v1/reviews/inv-1.1\(path)",
                    token: "tokB",
                    contentType: body == nil ? nil : "application/json",
                    body: body
                )
                #expect(answer.status == .notFound, "\(method) \(path)")
                #expect(answer.text.replacingOccurrences(of: "inv-1.1", with: "inv-9.1") == missing.text, "\(method) \(path)")
            }
            // Ids the document's pattern refuses name no item either.
            for odd in ["inv-1.+1", "inv-1.01", "inv-1", "inv-1.1.1"] {
                let answer = try await gateway.send(.get, "/v1/reviews/\(odd)", token: "tokA")
                #expect(answer.status == .notFound && answer.error.code == "not_found", "\(odd)")
            }
            let listed = try await gateway.send(.get, "/v1/reviews", token: "tokB")
            #expect((listed.json?["items"] as? [Any])?.isEmpty == true)
            #expect(try await gateway.send(.post, "/v1/reviews/claim", token: "tokB").status == .noContent)
            // alpha sees its own, under its own ids.
            let own = try await gateway.send(.get, "/v1/reviews?state=open", token: "tokA")
            let ids = (own.json?["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(ids == ["inv-1.1", "inv-1.2", "inv-1.3"])
            #expect((own.json?["items"] as? [[String: Any]])?.first?["job_id"] as? String == "inv-1")
        }
    }

    @Test func theListPagesInIDOrder() async throws {
        try await RouteTestGateway.run(Self.tenants) { gateway in
            try await Self.openAlphaReview(gateway)
            let first = try await gateway.send(.get, "/v1/reviews?limit=2", token: "tokA")
            #expect((first.json?["items"] as? [Any])?.count == 2)
            let next = try #require(first.json?["next"] as? String)
            #expect(next == "inv-1.2")
            let second = try await gateway.send(.get, "/v1/reviews?limit=2&after=\(next)", token: "tokA")
            #expect((second.json?["items"] as? [[String: Any]])?.map { $0["id"] as? String } == ["inv-1.3"])
            #expect(second.json?["next"] == nil)
            for bad in ["limit=0", "limit=1001", "state=lost", "limit=many"] {
                let refused = try await gateway.send(.get, "/v1/reviews?\(bad)", token: "tokA")
                #expect(refused.status == .badRequest, "\(bad)")
            }
        }
    }

    @Test func claimsDecisionsAndTheirRefusals() async throws {
        try await RouteTestGateway.run(Self.tenants) { gateway in
            try await Self.openAlphaReview(gateway)
            let claimed = try await gateway.send(.post, "/v1/reviews/claim", token: "tokA", reviewer: "ada")
            #expect(claimed.status == .ok && claimed.json?["id"] as? String == "inv-1.1", "\(claimed.text)")
            #expect((claimed.json?["claim"] as? [String: Any])?["reviewer"] as? String == "ada")
            #expect((claimed.json?["claim"] as? [String: Any])?["delivery"] == nil, "the queue's reply subject stays inside")

            func decide(_ id: String, _ body: String, as reviewer: String) async throws -> TestResponse {
                try await gateway.send(.post, "/v1/reviews/\(id)", token: "tokA", contentType: "application/json", body: body, reviewer: reviewer)
            }
            // Someone else's claim, no claim, a bad body, a value that does not validate.
            let other = try await decide("inv-1.1", #"{"action": "confirm"}"#, as: "bob")
            #expect(other.status == .conflict && other.error.code == "claim_expired", "\(other.text)")
            let taken = try await gateway.send(.post, "/v1/reviews/inv-1.1/claim", token: "tokA", reviewer: "bob")
            #expect(taken.status == .conflict && taken.error.code == "claimed" && taken.text.contains("ada holds"), "\(taken.text)")
            let unclaimed = try await decide("inv-1.2", #"{"action": "confirm"}"#, as: "ada")
            #expect(unclaimed.status == .conflict && unclaimed.error.code == "not_claimed", "\(unclaimed.text)")
            let noValue = try await decide("inv-1.1", #"{"action": "correct"}"#, as: "ada")
            #expect(noValue.status == .badRequest && noValue.error.field == "value")
            let stray = try await decide("inv-1.1", #"{"action": "confirm", "value": 3}"#, as: "ada")
            #expect(stray.status == .badRequest && stray.error.field == "value")
            let invalid = try await decide("inv-1.1", #"{"action": "correct", "value": "twelve"}"#, as: "ada")
            #expect(invalid.status == .unprocessableContent && invalid.error.code == "invalid_correction", "\(invalid.text)")
            let badName = try await gateway.send(.post, "/v1/reviews/claim", token: "tokA", reviewer: String(repeating: "x", count: 65))
            #expect(badName.status == .badRequest && badName.error.field == "X-Reviewer")

            let corrected = try await decide("inv-1.1", #"{"action": "correct", "value": 13.5, "note": "misread"}"#, as: "ada")
            #expect(corrected.status == .ok && corrected.json?["state"] as? String == "corrected", "\(corrected.text)")
            let decision = corrected.json?["decision"] as? [String: Any]
            #expect(decision?["value"] as? Double == 13.5 && decision?["reviewer"] as? String == "ada" && decision?["note"] as? String == "misread")
            let again = try await decide("inv-1.1", #"{"action": "reject"}"#, as: "ada")
            #expect(again.status == .conflict && again.error.code == "already_decided")

            // Without X-Reviewer the token names the reviewer.
            let byToken = try await gateway.send(.post, "/v1/reviews/inv-1.2/claim", token: "tokA")
            #expect(byToken.status == .ok)
            let name = (byToken.json?["claim"] as? [String: Any])?["reviewer"] as? String
            #expect(name?.hasPrefix("token-") == true && name?.count == 14, "\(name ?? "")")
            let released = try await gateway.send(.post, "/v1/reviews/inv-1.2/release", token: "tokA")
            #expect(released.status == .ok && released.json?["state"] as? String == "open")
            let notHeld = try await gateway.send(.post, "/v1/reviews/inv-1.2/release", token: "tokA")
            #expect(notHeld.status == .conflict && notHeld.error.code == "not_claimed")

            // Each item's trail says who did what, when, before and after, under alpha's ids.
            let trail = try await gateway.send(.get, "/v1/reviews/inv-1.1/audit", token: "tokA")
            let records = (trail.json?["records"] as? [[String: Any]]) ?? []
            #expect(records.map { $0["action"] as? String ?? "" } == ["claim", "correct"], "\(trail.text)")
            #expect(
                records.allSatisfy { $0["item"] as? String == "inv-1.1" && $0["job_id"] as? String == "inv-1" && $0["reviewer"] as? String == "ada" }
            )
            #expect(
                records.last?["before"] as? Double == 12.5 && records.last?["after"] as? Double == 13.5
                    && records.last?["note"] as? String == "misread"
            )
            let released2 = try await gateway.send(.get, "/v1/reviews/inv-1.2/audit", token: "tokA")
            let actions = ((released2.json?["records"] as? [[String: Any]]) ?? []).map { $0["action"] as? String ?? "" }
            #expect(actions == ["claim", "release"], "\(released2.text)")
        }
    }

    @Test func theLastDecisionStoresTheNextVersionAndAnnouncesIt() async throws {
        try await RouteTestGateway.run(Self.tenants) { gateway in
            try await Self.openAlphaReview(gateway)
            for (id, body) in [
                ("inv-1.1", #"{"action": "confirm"}"#), ("inv-1.2", #"{"action": "correct", "value": "ACME Ltd"}"#),
                ("inv-1.3", #"{"action": "reject"}"#),
            ] {
                #expect(try await gateway.send(.post, "/v1/reviews/\(id)/claim", token: "tokA", reviewer: "ada").status == .ok)
                let answer = try await gateway.send(
                    .post,
                    "/v1/reviews/\(id)",
                    token: "tokA",
                    contentType: "application/json",
                    body: body,
                    reviewer: "ada"
                )
                #expect(answer.status == .ok, "\(answer.text)")
            }
            // The last decision answered after the event was stored.
            let stored = StoredMessages(connection: gateway.nats, stream: StreamNames.events)
            let message = try #require(try await stored.last(on: Subjects.event(.reviewed, jobID: "alpha=inv-1")))
            var reviewed: JobReviewed?
            if case .reviewed(let body) = try LifecycleEvent.decode(message.payload).data.body { reviewed = body }
            #expect(reviewed?.version == 2 && reviewed?.confirmed == 1 && reviewed?.corrected == 1 && reviewed?.rejected == 1)
            #expect(reviewed?.extraction.url.hasSuffix("/v1/store/tenants/alpha/reviews/inv-1/extraction.v2.json") == true)

            let newest = try await gateway.send(.get, "/v1/jobs/inv-1/extraction", token: "tokA")
            #expect(newest.status == .ok && newest.headers[HTTPField.Name("OCRFleet-Extraction-Version")!] == "2")
            let values = ReviewFixture.values(of: newest.text)
            #expect(values?["total"] as? Double == 12.5 && values?["vendor"] as? String == "ACME Ltd" && values?["date"] is NSNull)
            let first = try await gateway.send(.get, "/v1/jobs/inv-1/extraction?version=1", token: "tokA")
            #expect(first.headers[HTTPField.Name("OCRFleet-Extraction-Version")!] == "1")
            #expect(ReviewFixture.values(of: first.text)?["vendor"] as? String == "ACME")
            let beyond = try await gateway.send(.get, "/v1/jobs/inv-1/extraction?version=3", token: "tokA")
            #expect(beyond.status == .notFound)
            #expect(try await gateway.send(.get, "/v1/jobs/inv-1/extraction?version=2", token: "tokB").status == .notFound)
        }
    }

    @Test func cropsAreServedThroughTheirSignedURLOnly() async throws {
        try await RouteTestGateway.run(Self.tenants) { gateway in
            try await Self.openAlphaReview(gateway)
            let item = try await gateway.send(.get, "/v1/reviews/inv-1.1", token: "tokA")
            let cropURL = try #require(item.json?["crop_url"] as? String)
            let redirect = try await gateway.send(.get, "/v1/reviews/inv-1.1/crop", token: "tokA")
            #expect(redirect.status == .found)
            let location = try #require(redirect.headers[.location])
            #expect(location.contains("/review/crops/alpha%3Dinv-1.1?expires="), "\(location)")
            for url in [cropURL, location] {
                let path = String(url.dropFirst(url.range(of: "/review/crops/")!.lowerBound.utf16Offset(in: url)))
                let png = try await gateway.send(.get, path)
                #expect(png.status == .ok && png.headers[.contentType] == "image/png")
                #expect(Array(png.body.readableBytesView) == Self.png)
            }
            let path = String(cropURL.dropFirst(cropURL.range(of: "/review/crops/")!.lowerBound.utf16Offset(in: cropURL)))
            let forged = path.replacingOccurrences(of: "inv-1.1?", with: "inv-1.2?")
            #expect(try await gateway.send(.get, forged).status == .forbidden)
            let tampered = String(path.dropLast()) + (path.hasSuffix("0") ? "1" : "0")
            #expect(try await gateway.send(.get, tampered).status == .forbidden)
            let noCrop = try await gateway.send(.get, "/v1/reviews/inv-1.2", token: "tokA")
            #expect(noCrop.json?["crop"] as? Bool == false && noCrop.json?["crop_url"] == nil)
            #expect(try await gateway.send(.get, "/v1/reviews/inv-1.2/crop", token: "tokA").status == .notFound)
        }
    }

    @Test func theReviewPageIsServedUnderAStrictPolicy() async throws {
        try await RouteTestGateway.run(Self.tenants) { gateway in
            let page = try await gateway.send(.get, "/review")
            #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8")
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self'") && !policy.contains("unsafe"))
            #expect(!page.text.contains("http://") && !page.text.contains("https://"), "no external URL")
            #expect(page.text.contains(#"<script src="/review/app.js"></script>"#))
            let script = try await gateway.send(.get, "/review/app.js")
            #expect(script.status == .ok && script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(!script.text.contains("innerHTML") && !script.text.contains("eval("))
        }
    }
}
