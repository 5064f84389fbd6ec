import OCRFleetModel
import OCRFleetReview
import Testing

/// Anomaly rules on extracted values: each check, `*` pointers, and what does not fire.
@Suite struct ReviewRuleEvaluationTests {
    static let values: JSONValue = .object([
        "total": .number(-5),
        "iban": .string("de44 5001"),
        "start_date": .string("2026-05-01"),
        "end_date": .string("2026-04-01"),
        "paid_at": .string("2026-03-31T10:00:00Z"),
        "note": .null,
        "lines": .array([
            .object(["amount": .number(12.5), "due": .string("2026-06-01")]),
            .object(["amount": .number(-1), "due": .string("2026-03-01")]),
            .object(["amount": .number(2_000_000), "due": .null]),
        ]),
    ])

    static func firings(_ rule: ReviewRule) -> [ReviewRuleEvaluation.Firing] {
        ReviewRuleEvaluation.firings(of: rule, in: values)
    }

    @Test func aMinimumAndAMaximumSayWhatIsOutOfRange() {
        #expect(
            Self.firings(ReviewRule(name: "positive", field: "/total", minimum: 0, maximum: 1_000_000))
                == [.init(pointer: "/total", value: .number(-5), message: "/total is -5, under the minimum 0")]
        )
        #expect(Self.firings(ReviewRule(name: "small", field: "/total", maximum: -10)).map(\.message) == ["/total is -5, over the maximum -10"])
        #expect(Self.firings(ReviewRule(name: "in-range", field: "/total", minimum: -10, maximum: 0)).isEmpty)
    }

    @Test func aPatternMustBeFoundInTheValue() {
        #expect(
            Self.firings(ReviewRule(name: "iban", field: "/iban", pattern: "^[A-Z]{2}[0-9]{2}")).map(\.message)
                == ["/iban is de44 5001, which does not match the pattern ^[A-Z]{2}[0-9]{2}"]
        )
        #expect(Self.firings(ReviewRule(name: "iban", field: "/iban", pattern: "[0-9]{4}$")).isEmpty)
        // A number is matched as JSON writes it.
        #expect(Self.firings(ReviewRule(name: "negative", field: "/total", pattern: "^-")).isEmpty)
    }

    @Test func datesAreComparedWithAnotherField() {
        #expect(
            Self.firings(ReviewRule(name: "dates", field: "/start_date", notAfter: "/end_date")).map(\.message)
                == ["/start_date is 2026-05-01, after /end_date 2026-04-01"]
        )
        #expect(
            Self.firings(ReviewRule(name: "dates", field: "/end_date", notBefore: "/start_date")).map(\.message)
                == ["/end_date is 2026-04-01, before /start_date 2026-05-01"]
        )
        #expect(Self.firings(ReviewRule(name: "ok", field: "/end_date", notAfter: "/start_date")).isEmpty)
        // A date-time is compared by its date.
        #expect(Self.firings(ReviewRule(name: "paid", field: "/paid_at", notBefore: "/end_date")).map(\.pointer) == ["/paid_at"])
    }

    @Test func aStarTakesEveryElementAndTheSameElementOfTheOtherPointer() {
        #expect(
            Self.firings(ReviewRule(name: "amounts", field: "/lines/*/amount", minimum: 0, maximum: 1_000_000))
                == [
                    .init(pointer: "/lines/1/amount", value: .number(-1), message: "/lines/1/amount is -1, under the minimum 0"),
                    .init(
                        pointer: "/lines/2/amount",
                        value: .number(2_000_000),
                        message: "/lines/2/amount is 2000000, over the maximum 1000000"
                    ),
                ]
        )
        #expect(
            Self.firings(ReviewRule(name: "due", field: "/lines/*/due", notBefore: "/end_date")).map(\.message)
                == ["/lines/1/due is 2026-03-01, before /end_date 2026-04-01"]
        )
        #expect(Self.firings(ReviewRule(name: "first", field: "/lines/0/amount", maximum: 10)).map(\.pointer) == ["/lines/0/amount"])
    }

    @Test func whatCannotBeEvaluatedDoesNotFire() {
        #expect(Self.firings(ReviewRule(name: "missing", field: "/absent", minimum: 0)).isEmpty)
        #expect(Self.firings(ReviewRule(name: "null", field: "/note", pattern: "x")).isEmpty)
        #expect(Self.firings(ReviewRule(name: "text", field: "/iban", minimum: 0)).isEmpty, "a string has no minimum")
        #expect(Self.firings(ReviewRule(name: "other", field: "/start_date", notAfter: "/note")).isEmpty)
        #expect(Self.firings(ReviewRule(name: "kinds", field: "/total", notAfter: "/end_date")).isEmpty, "a number and a date")
        #expect(Self.firings(ReviewRule(name: "star", field: "/total/*", minimum: 0)).isEmpty)
        #expect(Self.firings(ReviewRule(name: "stars", field: "/total", notAfter: "/lines/*/amount")).isEmpty)
    }

    @Test func escapedTokensAreMembersNames() {
        let values: JSONValue = .object(["a/b": .object(["~c": .number(-1)])])
        let firings = ReviewRuleEvaluation.firings(of: ReviewRule(name: "escaped", field: "/a~1b/~0c", minimum: 0), in: values)
        #expect(firings.map(\.pointer) == ["/a~1b/~0c"])
    }
}
