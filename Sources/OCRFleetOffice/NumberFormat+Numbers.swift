extension NumberFormat {
    /// A non-negative `value` through a number section: fixed places, thousands, percent,
    /// scaling commas, scientific notation or a fraction, with the section's literals.
    static func number(_ tokens: [Token], _ value: Double) -> String {
        if tokens.contains(.general) || tokens.contains(.text) {
            return tokens.map { token in
                switch token {
                case .literal(let text): text
                case .general, .text: general(value)
                default: ""
                }
            }.joined()
        }
        guard tokens.contains(where: isPlaceholder) else { return literals(tokens) }
        let percent = tokens.filter { $0 == .percent }.count
        let (grouping, scaling) = commas(tokens)
        if let slash = tokens.firstIndex(of: .slash), let fraction = fraction(tokens, slash: slash, value: value) {
            return fraction
        }
        let exponentIndex = tokens.firstIndex(where: isExponent)
        let mantissaTokens = Array(tokens[..<(exponentIndex ?? tokens.count)])
        let point = mantissaTokens.firstIndex(of: .point)
        let integerTokens = Array(mantissaTokens[..<(point ?? mantissaTokens.count)])
        let fractionTokens = point.map { Array(mantissaTokens[($0 + 1)...]) } ?? []
        let places = fractionTokens.filter(isPlaceholder).count
        let scaled = DecimalDigits(value).shifted(by: 2 * percent - 3 * scaling)
        guard let exponentIndex, case .exponent(let plus) = tokens[exponentIndex] else {
            return layout(integerTokens, fractionTokens, point: point != nil, scaled.rounded(toPlaces: places), grouping: grouping)
        }
        let integerPlaces = max(integerTokens.filter(isPlaceholder).count, 1)
        var exponent = 0
        var mantissa = scaled
        if !scaled.isZero {
            if integerPlaces > 1 && integerTokens.contains(.digit("#")) {
                // Engineering notation: the exponent a multiple of the integer places.
                func floorMultiple(_ value: Int) -> Int {
                    (value >= 0 ? value : value - integerPlaces + 1) / integerPlaces * integerPlaces
                }
                exponent = floorMultiple(scaled.exponent)
                mantissa = scaled.shifted(by: -exponent).rounded(toPlaces: places)
                if mantissa.exponent >= integerPlaces {
                    exponent += integerPlaces
                    mantissa = scaled.shifted(by: -exponent).rounded(toPlaces: places)
                }
            } else {
                let rounded = scaled.rounded(toSignificant: integerPlaces + places)
                exponent = rounded.exponent - (integerPlaces - 1)
                mantissa = rounded.shifted(by: -exponent)
            }
        }
        let exponentTokens = tokens[(exponentIndex + 1)...]
        let exponentDigits = String(abs(exponent))
        let width = exponentTokens.filter { $0 == .digit("0") }.count
        let exponentText =
            "E" + (exponent < 0 ? "-" : plus ? "+" : "")
            + String(repeating: "0", count: max(width - exponentDigits.count, 0)) + exponentDigits
        return layout(integerTokens, fractionTokens, point: point != nil, mantissa, grouping: grouping) + exponentText
            + literals(exponentTokens.filter { !isPlaceholder($0) })
    }

    static func isPlaceholder(_ token: Token) -> Bool {
        if case .digit = token { true } else { false }
    }

    static func isExponent(_ token: Token) -> Bool {
        if case .exponent = token { true } else { false }
    }

    static func literals<Tokens: Sequence<Token>>(_ tokens: Tokens) -> String {
        tokens.map { token in
            switch token {
            case .literal(let text): text
            case .percent: "%"
            default: ""
            }
        }.joined()
    }

    /// Whether a comma between integer placeholders groups thousands, and how many commas
    /// right after the last integer placeholder scale the number down by a thousand each.
    private static func commas(_ tokens: [Token]) -> (grouping: Bool, scaling: Int) {
        let end = tokens.firstIndex { $0 == .point || $0 == .slash || isExponent($0) }
        let integer = tokens[..<(end ?? tokens.count)]
        guard let last = integer.lastIndex(where: isPlaceholder) else { return (false, 0) }
        let first = integer.firstIndex(where: isPlaceholder) ?? last
        let grouping = integer[first..<last].contains(.comma)
        var scaling = 0
        var index = last + 1
        while index < tokens.count, tokens[index] == .comma {
            scaling += 1
            index += 1
        }
        if scaling == 0, let point = end, tokens[point] == .point {
            // `0.0,,`: commas after the decimals scale too.
            scaling = tokens[(point + 1)...].reversed().prefix { !isPlaceholder($0) }.filter { $0 == .comma }.count
        }
        return (grouping, scaling)
    }

    /// The digits laid into the integer and fraction placeholders: `0` shows a digit always,
    /// `#` only a significant one, `?` a space for an insignificant one; the leftmost integer
    /// placeholder takes every digit left over.
    private static func layout(
        _ integerTokens: [Token],
        _ fractionTokens: [Token],
        point: Bool,
        _ digits: DecimalDigits,
        grouping: Bool
    ) -> String {
        var remaining = Array(digits.integerDigits)
        var integer: [String] = []
        let leftmost = integerTokens.firstIndex(where: isPlaceholder)
        for (index, token) in integerTokens.enumerated().reversed() {
            switch token {
            case .digit(let kind):
                if index == leftmost, !remaining.isEmpty {
                    integer.append(String(remaining))
                    remaining = []
                } else if let digit = remaining.popLast() {
                    integer.append(String(digit))
                } else {
                    integer.append(kind == "0" ? "0" : kind == "?" ? " " : "")
                }
            case .literal(let text): integer.append(text)
            case .percent: integer.append("%")
            default: continue
            }
        }
        var text = integer.reversed().joined()
        if grouping, let leftmost, let rightmost = integerTokens.lastIndex(where: isPlaceholder) {
            let numeric = text.filter(\.isNumber)
            var grouped = ""
            for (offset, digit) in numeric.reversed().enumerated() {
                if offset > 0 && offset % 3 == 0 { grouped.append(",") }
                grouped.append(digit)
            }
            text =
                literals(integerTokens[..<leftmost]) + String(grouped.reversed())
                + literals(integerTokens[(rightmost + 1)...])
        }
        guard point else { return text }
        let shown = digits.fractionDigits(fractionTokens.filter(isPlaceholder).count)
        var fraction: [String] = []
        var placeholder = shown.count
        var significant = false
        for token in fractionTokens.reversed() {
            switch token {
            case .digit(let kind):
                placeholder -= 1
                let digit = shown[placeholder]
                significant = significant || digit != 0 || kind == "0"
                fraction.append(significant ? String(digit) : kind == "?" ? " " : "")
            case .literal(let text): fraction.append(text)
            case .percent: fraction.append("%")
            default: continue
            }
        }
        return text + "." + fraction.reversed().joined()
    }

    /// `# ?/?`, `?/4`: the whole part (when the format has one) and the closest fraction
    /// whose denominator fits the placeholders, or the fixed denominator. nil when the
    /// slash has no placeholders before it.
    private static func fraction(_ tokens: [Token], slash: Int, value: Double) -> String? {
        var numeratorStart = slash
        while numeratorStart > 0, isPlaceholder(tokens[numeratorStart - 1]) { numeratorStart -= 1 }
        guard numeratorStart < slash else { return nil }
        let wholeTokens = tokens[..<numeratorStart]
        let hasWhole = wholeTokens.contains(where: isPlaceholder)
        var denominatorEnd = slash + 1
        var fixed = ""
        var places = 0
        while denominatorEnd < tokens.count {
            if case .literal(let text) = tokens[denominatorEnd], places == 0, text.allSatisfy(\.isNumber) {
                fixed += text
            } else if isPlaceholder(tokens[denominatorEnd]), fixed.isEmpty {
                places += 1
            } else {
                break
            }
            denominatorEnd += 1
        }
        // Rounded to 15 digits first, like every number shown: 2.2000000000000002 is 2 1/5.
        let magnitude = Double(general(value)) ?? value
        // Past 15 digits a fraction has nothing left to show, and its parts would not fit an Int.
        guard magnitude < 1e15 else { return general(value) }
        // Excel offers denominators of up to three digits; four keeps the search cheap per cell.
        places = min(places, 4)
        var whole = hasWhole ? magnitude.rounded(.down) : 0
        let part = magnitude - whole
        var numerator = 0
        var denominator = 1
        if let fixed = Int(fixed), fixed > 0 {
            guard let fitted = Int(exactly: (part * Double(fixed)).rounded()) else { return general(value) }
            denominator = fixed
            numerator = fitted
        } else {
            var error = Double.infinity
            for candidate in 1...max(SerialDate.power(max(places, 1)) - 1, 1) {
                let guess = (part * Double(candidate)).rounded()
                let miss = abs(part - guess / Double(candidate))
                if miss < error, let fitted = Int(exactly: guess) {
                    error = miss
                    (numerator, denominator) = (fitted, candidate)
                }
            }
        }
        if hasWhole && numerator == denominator {
            whole += 1
            numerator = 0
        }
        let leftmost = tokens.firstIndex(where: isPlaceholder) ?? numeratorStart
        var text = literals(tokens[..<leftmost])
        let wholeText = hasWhole && (whole > 0 || numerator == 0) ? String(Int(whole)) : ""
        text += wholeText
        if numerator > 0 || !hasWhole {
            if !wholeText.isEmpty {
                let lastWhole = wholeTokens.lastIndex(where: isPlaceholder) ?? leftmost
                text += literals(tokens[(lastWhole + 1)..<numeratorStart])
            }
            text += "\(numerator)/\(denominator)"
        }
        return text + literals(tokens[denominatorEnd...])
    }
}
