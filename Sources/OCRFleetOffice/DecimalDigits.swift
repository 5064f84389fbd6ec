import Foundation

/// A number as spreadsheets show it: its magnitude in decimal, at most 15 significant digits
/// (Excel's precision), so the binary noise of `4.4000000000000004` or `27.299999999999997`
/// is gone before any rounding to the places a format shows.
struct DecimalDigits: Equatable {
    /// Significant digits, without leading or trailing zeros; empty for zero.
    var digits: [UInt8]
    /// The power of ten of the first digit: 4.4 is [4, 4] at 0, 0.05 is [5] at -2.
    var exponent: Int

    static let precision = 15

    init(digits: [UInt8], exponent: Int) {
        var digits = digits
        while digits.last == 0 { digits.removeLast() }
        var exponent = exponent
        while digits.first == 0 {
            digits.removeFirst()
            exponent -= 1
        }
        self.digits = digits
        self.exponent = digits.isEmpty ? 0 : exponent
    }

    /// `value`'s magnitude to `precision` significant digits (glibc's printf rounds exactly).
    init(_ value: Double, significant: Int = precision) {
        guard value.isFinite, value != 0 else {
            self.init(digits: [], exponent: 0)
            return
        }
        let text = String(format: "%.\(significant - 1)e", abs(value))
        let parts = text.split(separator: "e")
        let digits = parts[0].utf8.compactMap { $0 == UInt8(ascii: ".") ? nil : $0 - UInt8(ascii: "0") }
        self.init(digits: digits, exponent: parts.count == 2 ? Int(parts[1]) ?? 0 : 0)
    }

    var isZero: Bool { digits.isEmpty }

    /// Rounded half away from zero to `places` decimal places (negative: to tens, hundreds…).
    func rounded(toPlaces places: Int) -> DecimalDigits {
        rounded(keeping: exponent + 1 + places)
    }

    /// Rounded half away from zero to `count` significant digits.
    func rounded(toSignificant count: Int) -> DecimalDigits {
        rounded(keeping: count)
    }

    private func rounded(keeping count: Int) -> DecimalDigits {
        guard count < digits.count else { return self }
        guard count >= 0 else { return DecimalDigits(digits: [], exponent: 0) }
        var kept = Array(digits[..<count])
        guard digits[count] >= 5 else { return DecimalDigits(digits: kept, exponent: exponent) }
        var index = kept.count - 1
        while index >= 0 {
            if kept[index] < 9 {
                kept[index] += 1
                return DecimalDigits(digits: kept, exponent: exponent)
            }
            kept[index] = 0
            index -= 1
        }
        return DecimalDigits(digits: [1] + kept, exponent: exponent + 1)
    }

    /// The digits before the decimal point, without leading zeros ("" below one).
    var integerDigits: String {
        guard exponent >= 0, !isZero else { return "" }
        return stride(from: exponent, through: 0, by: -1).map { String(digit(place: $0)) }.joined()
    }

    /// The first `count` digits after the decimal point.
    func fractionDigits(_ count: Int) -> [UInt8] {
        (0..<max(count, 0)).map { digit(place: -1 - $0) }
    }

    /// The digit whose place value is 10^`place`.
    private func digit(place: Int) -> UInt8 {
        let index = exponent - place
        return index >= 0 && index < digits.count ? digits[index] : 0
    }

    /// Scaled by a power of ten (×100 for a percentage, ÷1000 for a trailing comma).
    func shifted(by power: Int) -> DecimalDigits {
        isZero ? self : DecimalDigits(digits: digits, exponent: exponent + power)
    }
}
