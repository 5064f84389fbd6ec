import ArgumentParser
import Foundation
import OCRFleetAPI
import OCRFleetClient
import OCRFleetModel

/// `ocrctl review`: the human review queue through the gateway (docs/review.md).
struct Review: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, claim and decide the fields and pages waiting for a person's review.",
        subcommands: [List.self, Show.self, Claim.self, Confirm.self, Correct.self, Reject.self, Release.self, Audit.self]
    )

    /// The gateway and who reviews.
    struct Options: ParsableArguments {
        @OptionGroup var gateway: GatewayOptions

        @Option(help: "Reviewer name sent as X-Reviewer (env OCR_REVIEWER; default: the gateway names you after the token).")
        var reviewer: String?

        @Flag(help: "Print the item (or page) as JSON.") var json = false

        var reviewerName: String? { reviewer ?? ProcessInfo.processInfo.environment["OCR_REVIEWER"] }

        func client() throws -> GatewayClient { try gateway.client() }

        /// One line per item, or its JSON.
        func print(_ item: GatewayClient.ReviewItem) {
            if json { return printJSON(item) }
            Swift.print(Review.line(item))
        }
    }

    static func line(_ item: GatewayClient.ReviewItem) -> String {
        var fields = [item.id, item.state.rawValue, item.pointer ?? "page=\(item.page ?? 0)"]
        fields.append(item.reasons.map(\.rawValue).joined(separator: ","))
        if let confidence = item.confidence { fields.append(String(format: "confidence=%.2f", confidence)) }
        if let claim = item.claim { fields.append("claimed-by=\(claim.reviewer) until=\(Timestamp.format(claim.until))") }
        if let decision = item.decision { fields.append("\(decision.action.rawValue)-by=\(decision.reviewer)") }
        fields.append("\"\(item.message)\"")
        return printable(fields.joined(separator: " "))
    }

    /// Text from a document made safe for a terminal: control characters other than line
    /// breaks and tabs (an escape sequence could rewrite the screen or the window title) are
    /// shown as `\u{…}` instead of sent.
    static func printable(_ text: String) -> String {
        var shown = ""
        for scalar in text.unicodeScalars {
            let isControl = scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
            if isControl, scalar != "\n", scalar != "\t" {
                shown += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                shown.unicodeScalars.append(scalar)
            }
        }
        return shown
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tenant's review items, oldest first.")

        @OptionGroup var options: Options
        @Option(help: "Only items in this state: open, claimed, confirmed, corrected or rejected.") var state: String?
        @Option(help: "Items a page (1-1000).") var limit: Int?
        @Flag(help: "Every page, not just the first.") var all = false

        func run() async throws {
            var chosen: Components.Schemas.ReviewState?
            if let state {
                guard let value = Components.Schemas.ReviewState(rawValue: state) else {
                    throw ValidationError("--state must be open, claimed, confirmed, corrected or rejected")
                }
                chosen = value
            }
            let client = try options.client()
            var after: String?
            repeat {
                let page = try await client.reviews(state: chosen, limit: limit, after: after)
                for item in page.items { options.print(item) }
                after = page.next
            } while all && after != nil
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print an item: its value, why it is here and the text around it.")

        @OptionGroup var options: Options
        @Argument(help: "Review item id (<job id>.<n>).") var id: String

        func run() async throws {
            let item = try await options.client().review(id)
            if options.json { return printJSON(item) }
            print(Review.line(item))
            if let value = item.value { print("value: \(String(decoding: try Review.json(value), as: UTF8.self))") }
            if let label = item.label { print("label: \(Review.printable(label))") }
            if let url = item.cropUrl { print("crop: \(url)") }
            print("context:\n\(Review.printable(item.context))")
        }
    }

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an item's audit trail, oldest first: who claimed, released, took over and decided it, when, before and after."
        )

        @OptionGroup var options: Options
        @Argument(help: "Review item id (<job id>.<n>).") var id: String

        func run() async throws {
            let records = try await options.client().reviewAudit(id)
            if options.json { return printJSON(records) }
            for record in records {
                var fields = [Timestamp.format(record.at), record.action.rawValue, "by=\(record.reviewer)"]
                fields.append("before=\(String(decoding: try Review.json(record.before), as: UTF8.self))")
                fields.append("after=\(String(decoding: try Review.json(record.after), as: UTF8.self))")
                if let note = record.note { fields.append("note=\"\(note)\"") }
                print(Review.printable(fields.joined(separator: " ")))
            }
        }
    }

    struct Claim: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Claim an item, or the next open one without an id, for the gateway's lease (OCR_REVIEW_LEASE_S).",
            discussion: "Exits 3 when no item is open."
        )

        @OptionGroup var options: Options
        @Argument(help: "Review item id; none: the next open item.") var id: String?

        func run() async throws {
            let client = try options.client()
            if let id { return options.print(try await client.claimReview(id, reviewer: options.reviewerName)) }
            guard let item = try await client.claimNextReview(reviewer: options.reviewerName) else {
                if options.json { printJSON(["claimed": JSONValue.null]) } else { print("nothing open") }
                throw ExitCode(3)
            }
            options.print(item)
        }
    }

    struct Confirm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Confirm a claimed item: its value stands.")

        @OptionGroup var options: Options
        @Argument(help: "Review item id.") var id: String
        @Option(help: "A note kept with the decision.") var note: String?

        func run() async throws {
            options.print(try await options.client().decideReview(id, action: .confirm, note: note, reviewer: options.reviewerName))
        }
    }

    struct Correct: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Correct a claimed item: --value is the right value as JSON (\"42.5\", '\"ACME\"', '{\"a\": 1}').",
            discussion: "The gateway refuses (422 invalid_correction) a value the field's schema does not accept."
        )

        @OptionGroup var options: Options
        @Argument(help: "Review item id.") var id: String
        @Option(help: "The right value, JSON.") var value: String
        @Option(help: "A note kept with the decision.") var note: String?

        func run() async throws {
            let parsed: JSONValue
            do {
                parsed = try JSONDecoder().decode(JSONValue.self, from: Data(value.utf8))
            } catch {
                throw ValidationError("--value is not JSON: \(value) (a string needs its quotes: '\"ACME\"')")
            }
            let item = try await options.client().decideReview(
                id,
                action: .correct,
                value: parsed,
                note: note,
                reviewer: options.reviewerName
            )
            options.print(item)
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a claimed item: its value is wrong and becomes null.")

        @OptionGroup var options: Options
        @Argument(help: "Review item id.") var id: String
        @Option(help: "A note kept with the decision.") var note: String?

        func run() async throws {
            options.print(try await options.client().decideReview(id, action: .reject, note: note, reviewer: options.reviewerName))
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a claimed item back to the queue undecided.")

        @OptionGroup var options: Options
        @Argument(help: "Review item id.") var id: String

        func run() async throws {
            options.print(try await options.client().releaseReview(id, reviewer: options.reviewerName))
        }
    }

    static func json(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}
