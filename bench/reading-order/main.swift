// The reading order's CPU a page: `scripts/lib/ocrbench.py` (`public` section) compiles this
// file with `Sources/OCRFleetEngines/ReadingOrder.swift` (`swiftc -O`) and sends each page's
// Tesseract blocks, one page a line: `name left,top,right,bottom,lines;…`. Each page is
// ordered `repeats` times; the answer is `name CPU-microseconds-per-ordering checksum`.
import Foundation

let repeats = 200
while let line = readLine() {
    let fields = line.split(separator: " ", maxSplits: 1)
    guard let name = fields.first else { continue }
    let blocks = (fields.count > 1 ? fields[1] : "").split(separator: ";").compactMap { block -> ReadingOrder.Block? in
        let numbers = block.split(separator: ",").compactMap { Int($0) }
        guard numbers.count == 5 else { return nil }
        return ReadingOrder.Block(left: numbers[0], top: numbers[1], right: numbers[2], bottom: numbers[3], lines: numbers[4])
    }
    var checksum = 0  // used, so the orderings are not optimised away
    let started = clock()
    for _ in 0..<repeats { checksum &+= ReadingOrder.order(blocks).first ?? 0 }
    let microseconds = Double(clock() - started) / Double(CLOCKS_PER_SEC) * 1e6
    print(name, microseconds / Double(repeats), checksum)
}
