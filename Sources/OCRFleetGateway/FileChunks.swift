import Foundation
import NIOPosix
import OpenAPIRuntime

/// A file as a response body, read a chunk at a time as the client takes it. The file is
/// opened when the body is first read and closed when the reader is done with it or gone.
/// Opening and reading block, so they run on NIO's thread pool, not Swift's cooperative one.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ArraySlice<UInt8>
    let path: String
    static let chunkSize = 64 * 1024

    struct AsyncIterator: AsyncIteratorProtocol {
        let path: String
        var handle: FileHandle?
        var done = false

        mutating func next() async throws -> ArraySlice<UInt8>? {
            guard !done else { return nil }
            let opened: FileHandle
            if let handle {
                opened = handle
            } else {
                let path = path
                opened = try await NIOThreadPool.singleton.runIfActive { try FileHandle(forReadingFrom: URL(fileURLWithPath: path)) }
                handle = opened
            }
            let data = try await NIOThreadPool.singleton.runIfActive { try opened.read(upToCount: FileChunks.chunkSize) }
            guard let data, !data.isEmpty else {
                try opened.close()
                handle = nil
                done = true
                return nil
            }
            return ArraySlice(data)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(path: path) }

    /// The file's body; its length is known up front, so it is sent with `Content-Length`.
    static func body(of path: String) throws -> HTTPBody {
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        return HTTPBody(FileChunks(path: path), length: size.map { .known(Int64($0)) } ?? .unknown, iterationBehavior: .single)
    }
}
