import Foundation

/// JSON pointers (RFC 6901) as the schema errors and violations name places: `""` is the whole
/// document, `/items/0/name` a member; `~` is written `~0` and `/` is written `~1`.
public enum JSONPointer {
    public static func escape(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    public static func appending(_ token: String, to pointer: String) -> String {
        pointer + "/" + escape(token)
    }

    public static func appending(_ index: Int, to pointer: String) -> String {
        pointer + "/\(index)"
    }
}
