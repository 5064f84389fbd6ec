import OCRFleetContent

/// Test fleets serve everything on loopback, which the egress policy refuses by default:
/// workers, gateways and content clients in tests open it with these.
public enum LoopbackEgress {
    /// `OCR_EGRESS_ALLOW` for a process that reaches its test doubles on loopback.
    public static let allow = "127.0.0.0/8,::1"
    public static let policy = EgressPolicy(allowed: allow.split(separator: ",").compactMap { EgressRule(String($0)) })
}
