import CZip
import OCRFleetModel

/// Caps on what a zip container may unpack to: a zip bomb fails as `source_too_large`
/// before it fills memory or disk.
public struct ZipLimits: Sendable {
    public var maxEntries: Int
    /// Decompressed bytes read from the whole archive, counted as they come out (declared
    /// sizes are not trusted).
    public var maxBytes: Int

    public init(maxEntries: Int = 10_000, maxBytes: Int = 512 << 20) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
    }

    /// An entry that unpacks to more than this many times its compressed size, once past
    /// `ratioFloor` bytes, is a bomb (Apache POI's rule): office XML compresses about 10:1.
    static let maxRatio = 100
    static let ratioFloor = 1 << 20
}

/// A zip archive opened read-only with libzip. Not thread-safe: read from one task.
public final class ZipArchive {
    private let archive: OpaquePointer
    private let limits: ZipLimits
    private var bytesRead = 0
    public let entryCount: Int

    public init(path: String, limits: ZipLimits) throws(OCRError) {
        var error: Int32 = 0
        guard let archive = zip_open(path, ZIP_RDONLY, &error) else {
            throw OCRError(.corruptDocument, "the document is not a readable zip archive (libzip error \(error))")
        }
        // Checked before `self` is whole: a class whose init throws after that runs its deinit.
        let count = Int(zip_get_num_entries(archive, 0))
        if count > limits.maxEntries {
            zip_discard(archive)
            throw OCRError(.sourceTooLarge, "the archive has \(count) entries, over the \(limits.maxEntries)-entry limit")
        }
        self.archive = archive
        self.limits = limits
        entryCount = count
    }

    deinit { zip_discard(archive) }

    public func contains(_ name: String) -> Bool { zip_name_locate(archive, name, 0) >= 0 }

    /// The names of the entries, in archive order.
    public var names: [String] {
        (0..<entryCount).compactMap { index in zip_get_name(archive, UInt64(index), 0).map { String(cString: $0) } }
    }

    /// The entry's bytes, or nil when there is no such entry.
    public func read(_ name: String) throws(OCRError) -> [UInt8]? {
        guard zip_name_locate(archive, name, 0) >= 0 else { return nil }
        guard let file = zip_fopen(archive, name, 0) else {
            throw OCRError(.corruptDocument, "the archive's \(name) cannot be opened")
        }
        defer { zip_fclose(file) }
        var stat = zip_stat_t()
        zip_stat_init(&stat)
        let compressed = zip_stat(archive, name, 0, &stat) == 0 ? Int(stat.comp_size) : Int.max
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { zip_fread(file, $0.baseAddress, UInt64($0.count)) }
            if count < 0 { throw OCRError(.corruptDocument, "the archive's \(name) cannot be decompressed") }
            if count == 0 { return bytes }
            bytesRead += Int(count)
            if bytesRead > limits.maxBytes {
                throw OCRError(
                    .sourceTooLarge,
                    "the archive unpacks to more than \(limits.maxBytes >> 20) MiB (OCR_MAX_UNZIPPED_BYTES)"
                )
            }
            bytes += chunk[0..<Int(count)]
            if bytes.count > ZipLimits.ratioFloor, bytes.count / max(compressed, 1) > ZipLimits.maxRatio {
                throw OCRError(
                    .sourceTooLarge,
                    "the archive's \(name) unpacks to over \(ZipLimits.maxRatio) times its compressed size: a zip bomb"
                )
            }
        }
    }
}
