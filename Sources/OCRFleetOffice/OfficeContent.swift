import OCRFleetModel
import OCRFleetXML

/// What an office file holds, ready for markdown: each page (a DOCX section between page
/// breaks, a slide, a sheet) as markdown blocks and the pictures an engine must read, in
/// the order they stand.
public struct OfficeContent: Sendable {
    public enum Block: Sendable, Equatable {
        case markdown(String)
        case image(EmbeddedImage)
    }

    public struct EmbeddedImage: Sendable, Equatable {
        /// Its path inside the archive.
        public var name: String
        public var bytes: [UInt8]
    }

    public var pages: [[Block]]

    public init(pages: [[Block]]) { self.pages = pages }
}

/// The relationships of one OOXML part (`_rels/<part>.rels`): id → target.
struct Relationships {
    struct Target {
        var path: String
        var external: Bool
        /// The relationship's type URI (`…/relationships/comments`).
        var type: String
    }

    var targets: [String: Target] = [:]

    /// Reads the relationships of `part` (e.g. `word/document.xml`); targets inside the archive
    /// are resolved against the part's folder.
    init(of part: String, in archive: ZipArchive) throws(OCRError) {
        let folder = part.split(separator: "/").dropLast().joined(separator: "/")
        let file = part.split(separator: "/").last.map(String.init) ?? part
        let name = (folder.isEmpty ? "" : folder + "/") + "_rels/" + file + ".rels"
        guard let bytes = try archive.read(name) else { return }
        let reader = try XMLReader(bytes, part: name)
        while let node = try reader.next() {
            guard case .start("Relationship") = node, let id = reader.attribute("Id"),
                let target = reader.attribute("Target")
            else { continue }
            let external = reader.attribute("TargetMode") == "External"
            targets[id] = Target(
                path: external ? target : Self.resolve(target, from: folder),
                external: external,
                type: reader.attribute("Type") ?? ""
            )
        }
    }

    /// `../media/a.png` from `word` is `media/a.png`; `/word/x` is absolute.
    static func resolve(_ target: String, from folder: String) -> String {
        if target.hasPrefix("/") { return String(target.dropFirst()) }
        var parts = folder.split(separator: "/").map(String.init)
        for piece in target.split(separator: "/") {
            if piece == ".." {
                if !parts.isEmpty { parts.removeLast() }
            } else if piece != "." {
                parts.append(String(piece))
            }
        }
        return parts.joined(separator: "/")
    }
}
