import OCRFleetLanguageModel
import OCRFleetModel

/// An answer's value with, at each leaf, where it came from (the piece and the pointer in that
/// piece's answer), and object members in the order the model wrote them, so values merged
/// from several pieces keep their citations' sources and the answer's order.
indirect enum MergedValue: Sendable {
    struct Origin: Sendable, Equatable {
        var piece: Int
        var pointer: String
    }

    case leaf(JSONValue, Origin)
    case array([MergedValue])
    case object([(name: String, value: MergedValue)])

    init(_ answer: ModelAnswer, piece: Int) {
        var order: [String: Int] = [:]
        for (position, pointer) in answer.pointers.enumerated() { order[pointer] = position }
        self.init(answer.value, at: "", piece: piece, order: order)
    }

    private init(_ value: JSONValue, at pointer: String, piece: Int, order: [String: Int]) {
        switch value {
        case .array(let elements):
            self = .array(
                elements.enumerated().map { index, element in
                    MergedValue(element, at: JSONPointer.appending(index, to: pointer), piece: piece, order: order)
                }
            )
        case .object(let members):
            let named = members.map { name, member in
                (name: name, at: JSONPointer.appending(name, to: pointer), member: member)
            }.sorted { (order[$0.at] ?? Int.max, $0.name) < (order[$1.at] ?? Int.max, $1.name) }
            self = .object(named.map { ($0.name, MergedValue($0.member, at: $0.at, piece: piece, order: order)) })
        default:
            self = .leaf(value, Origin(piece: piece, pointer: pointer))
        }
    }

    var value: JSONValue {
        switch self {
        case .leaf(let value, _): value
        case .array(let elements): .array(elements.map(\.value))
        case .object(let members): .object(Dictionary(members.map { ($0.name, $0.value.value) }, uniquingKeysWith: { first, _ in first }))
        }
    }

    /// `self`, the earlier pieces', merged with `later`: a scalar keeps the first value that is
    /// not null, arrays are concatenated, objects are merged member by member (members only
    /// the later piece has come after the others). Equal items are real rows (two "Shipping
    /// 10.00" lines) and are kept, except across the cut of a page split between two pieces:
    /// with `previous`, the piece before `later` that read the other part of its first page,
    /// an item of `later` equal to one of `previous`'s is read twice and dropped (once per
    /// item of `previous`).
    func merged(with later: MergedValue, repeatsOf previous: Int? = nil) -> MergedValue {
        switch (self, later) {
        case (.leaf(.null, _), _):
            return later
        case (_, .leaf(.null, _)):
            return self
        case (.array(let first), .array(let second)):
            var items = first
            var repeats = previous.map { piece in first.filter { $0.comes(from: piece) }.map(\.value) } ?? []
            for item in second {
                if let index = repeats.firstIndex(of: item.value) {
                    repeats.remove(at: index)
                } else {
                    items.append(item)
                }
            }
            return .array(items)
        case (.object(let first), .object(let second)):
            var members = first
            for (name, value) in second {
                if let index = members.firstIndex(where: { $0.name == name }) {
                    members[index].value = members[index].value.merged(with: value, repeatsOf: previous)
                } else {
                    members.append((name, value))
                }
            }
            return .object(members)
        default:
            return self
        }
    }

    /// Whether any of the value's leaves was read by `piece`.
    func comes(from piece: Int) -> Bool {
        switch self {
        case .leaf(_, let origin): origin.piece == piece
        case .array(let elements): elements.contains { $0.comes(from: piece) }
        case .object(let members): members.contains { $0.value.comes(from: piece) }
        }
    }

    /// Arrays longer than their schema's `maxItems` cut to it (merging can make them so).
    func cut(to node: SchemaNode, in schema: JSONSchema) -> MergedValue {
        let node = schema.resolve(node)
        switch self {
        case .leaf:
            return self
        case .array(var items):
            if let max = node.maxItems, items.count > max { items = Array(items.prefix(max)) }
            if let itemNode = node.items { items = items.map { $0.cut(to: itemNode, in: schema) } }
            return .array(items)
        case .object(let members):
            return .object(
                members.map { name, value in
                    if let property = node.properties.first(where: { $0.name == name }) {
                        return (name, value.cut(to: property.schema, in: schema))
                    }
                    if case .schema(let additional) = node.additionalProperties {
                        return (name, value.cut(to: additional, in: schema))
                    }
                    return (name, value)
                }
            )
        }
    }

    /// Every value that is not an object or array, in order, with its pointer in the merged value.
    func leaves(at pointer: String = "") -> [(pointer: String, value: JSONValue, origin: Origin)] {
        switch self {
        case .leaf(let value, let origin):
            [(pointer, value, origin)]
        case .array(let elements):
            elements.enumerated().flatMap { index, element in element.leaves(at: JSONPointer.appending(index, to: pointer)) }
        case .object(let members):
            members.flatMap { $0.value.leaves(at: JSONPointer.appending($0.name, to: pointer)) }
        }
    }
}
