import Foundation
import Synchronization

/// A child's output, read to its end on a thread of its own (a read from a pipe blocks, for
/// as long as the child runs), keeping only the last bytes. Reading starts at once, so a
/// chatty child never stalls on a full pipe.
final class OutputTail: Sendable {
    private let state = Mutex(State.reading(waiter: nil))

    private enum State {
        case reading(waiter: CheckedContinuation<[UInt8], Never>?)
        case read([UInt8])
    }

    /// Reads `handle` until every writer has closed it, keeping its last `limit` bytes.
    init(reading handle: FileHandle, keeping limit: Int) {
        let reader = Thread { [self] in finish(with: Self.tail(of: handle, keeping: limit)) }
        reader.name = "ocrfleet child output"
        reader.start()
    }

    /// The kept bytes, once the output has ended.
    func bytes() async -> [UInt8] {
        await withCheckedContinuation { continuation in
            let bytes = state.withLock { state -> [UInt8]? in
                switch state {
                case .read(let bytes): return bytes
                case .reading:
                    state = .reading(waiter: continuation)
                    return nil
                }
            }
            if let bytes { continuation.resume(returning: bytes) }
        }
    }

    private func finish(with bytes: [UInt8]) {
        let waiter = state.withLock { state in
            defer { state = .read(bytes) }
            guard case .reading(let waiter) = state else { return nil as CheckedContinuation<[UInt8], Never>? }
            return waiter
        }
        waiter?.resume(returning: bytes)
    }

    /// A read error ends the output like its end does.
    private static func tail(of handle: FileHandle, keeping limit: Int) -> [UInt8] {
        var tail: [UInt8] = []
        while let chunk = try? handle.read(upToCount: 64 * 1024), !chunk.isEmpty {
            tail.append(contentsOf: chunk)
            if tail.count > limit { tail.removeFirst(tail.count - limit) }
        }
        return tail
    }
}
