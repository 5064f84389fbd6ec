import CLibXML2
import OCRFleetModel

/// A forward-only pass over an XML document (libxml2's xmlTextReader): it is never built
/// into a tree. Network access is off, entities are not substituted, and a document type
/// declaration is refused outright: neither office parts nor S3 answers have one, and it is
/// where entity bombs and external entities live.
public final class XMLReader {
    public enum Node: Equatable {
        case start(String)
        case end(String)
        case text(String)
    }

    private let reader: OpaquePointer
    private let buffer: UnsafeMutableBufferPointer<CChar>
    private let part: String

    public init(_ bytes: [UInt8], part: String) throws(OCRError) {
        self.part = part
        let buffer = UnsafeMutableBufferPointer<CChar>.allocate(capacity: max(bytes.count, 1))
        bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
        self.buffer = buffer
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        guard let reader = xmlReaderForMemory(buffer.baseAddress, Int32(bytes.count), part, nil, options) else {
            buffer.deallocate()
            throw OCRError(.corruptDocument, "\(part) cannot be parsed")
        }
        self.reader = reader
    }

    deinit {
        xmlFreeTextReader(reader)
        buffer.deallocate()
    }

    /// The element's local name (prefixes and namespaces aside: OOXML's transitional and
    /// strict namespaces name the same elements).
    private var localName: String {
        xmlTextReaderConstLocalName(reader).map { String(cString: $0) } ?? ""
    }

    /// The next start tag, end tag or text; nil at the end of the part. An empty element
    /// (`<w:b/>`) comes as a start immediately followed by its end.
    public func next() throws(OCRError) -> Node? {
        if let pendingEnd {
            self.pendingEnd = nil
            return .end(pendingEnd)
        }
        while true {
            let status = xmlTextReaderRead(reader)
            if status == 0 { return nil }
            guard status == 1 else { throw OCRError(.corruptDocument, "\(part) is not well-formed XML") }
            switch xmlTextReaderNodeType(reader) {
            case Int32(XML_READER_TYPE_ELEMENT.rawValue):
                let name = localName
                currentAttributes = attributes()
                if xmlTextReaderIsEmptyElement(reader) == 1 { pendingEnd = name }
                return .start(name)
            case Int32(XML_READER_TYPE_END_ELEMENT.rawValue):
                return .end(localName)
            case Int32(XML_READER_TYPE_TEXT.rawValue), Int32(XML_READER_TYPE_CDATA.rawValue),
                Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue):
                return .text(xmlTextReaderConstValue(reader).map { String(cString: $0) } ?? "")
            case Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue), Int32(XML_READER_TYPE_ENTITY_REFERENCE.rawValue):
                throw OCRError(.corruptDocument, "\(part) declares a document type, which is refused")
            default:
                continue
            }
        }
    }

    private var pendingEnd: String?
    private var currentAttributes: [String: String] = [:]

    /// An attribute of the element last started, by local name.
    public func attribute(_ name: String) -> String? { currentAttributes[name] }

    private func attributes() -> [String: String] {
        var found: [String: String] = [:]
        guard xmlTextReaderHasAttributes(reader) == 1 else { return found }
        while xmlTextReaderMoveToNextAttribute(reader) == 1 {
            if let value = xmlTextReaderConstValue(reader) { found[localName] = String(cString: value) }
        }
        xmlTextReaderMoveToElement(reader)
        return found
    }

    /// Skips to the end of the element just started.
    public func skipElement(_ name: String) throws(OCRError) {
        var depth = 1
        while let node = try next() {
            switch node {
            case .start(let started) where started == name: depth += 1
            case .end(let ended) where ended == name:
                depth -= 1
                if depth == 0 { return }
            default: break
            }
        }
    }
}
