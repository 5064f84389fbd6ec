/// The document's markdown sections: a heading and the blocks up to the next heading of any
/// level (what precedes the first heading is a section with an empty path), with tiny sections
/// joined forward.
enum HeadingSections {
    struct Section {
        var tokens: Range<Int>
        var headingPath: [String]
    }

    /// A section under this share of `size` is tiny.
    static let tinyDivisor = 4

    static func sections(_ document: ChunkingDocument) -> [Section] {
        var sections: [Section] = []
        for block in document.blocks {
            if case .heading = block.kind {
                sections.append(Section(tokens: block.tokens, headingPath: document.headingPaths[block.headingPath]))
            } else if let last = sections.indices.last {
                sections[last].tokens = sections[last].tokens.lowerBound..<block.tokens.upperBound
            } else {
                sections.append(Section(tokens: block.tokens, headingPath: []))
            }
        }
        return sections
    }

    /// Sections joined forward: a tiny section takes in the ones after it while it is still
    /// tiny, they fit in `size` together and they lie under the same parent (their heading path
    /// starts with its parent's). A joined section's path is what its members' paths share.
    static func joined(_ sections: [Section], size: Int) -> [Section] {
        let tiny = max(1, size / tinyDivisor)
        var joined: [Section] = []
        var i = 0
        while i < sections.count {
            var group = sections[i]
            let parent = sections[i].headingPath.dropLast()
            var j = i + 1
            while group.tokens.count < tiny, j < sections.count,
                group.tokens.count + sections[j].tokens.count <= size,
                sections[j].headingPath.starts(with: parent)
            {
                group.tokens = group.tokens.lowerBound..<sections[j].tokens.upperBound
                let shared = zip(group.headingPath, sections[j].headingPath).prefix { $0 == $1 }.count
                group.headingPath = Array(group.headingPath.prefix(shared))
                j += 1
            }
            joined.append(group)
            i = j
        }
        return joined
    }
}
