import OCRFleetModel

/// Who sent a request, as `Authentication` established it, and the tenant's view of the
/// fleet: its job ids, its store keys. Every job route works through this, so a tenant
/// reaches only its own jobs.
///
/// `Authentication` binds the caller to the request's task (`Caller.current`) around the rest
/// of the request, which is how the generated API handlers, which see no request context,
/// learn who is asking.
///
/// A tenant's job ids are its own names: `invoice-1` of tenant `alpha` is the job
/// `alpha=invoice-1` on the bus, in KV and in the store, and `beta`'s `invoice-1` is
/// another job. Tenant names have no `=`, so the first `=` of a bus id ends the tenant.
struct Caller: Sendable, Equatable {
    /// nil on a gateway without tokens (loopback only): ids are the bus's own.
    let tenant: String?
    /// The reviewer a review request names when it sends no `X-Reviewer`: `token-` and the
    /// first 8 hex digits of the token's SHA-256 (the token itself is never shown), or
    /// `anonymous` on a gateway without tokens.
    var tokenReviewer = "anonymous"

    static let separator: Character = "="

    /// The caller `Authentication` established for the request this task serves.
    @TaskLocal static var current: Caller?

    /// The request's caller. A handler reached without `Authentication` in front answers 401
    /// instead of serving anyone's jobs.
    static func required() throws(APIError) -> Caller {
        guard let current else { throw Authentication.unauthorized }
        return current
    }

    /// The bus's id of the caller's job `clientID`.
    func busID(_ clientID: String) -> String {
        tenant.map { "\($0)\(Self.separator)\(clientID)" } ?? clientID
    }

    /// The caller's name for the bus's job `busID`; nil when the job is not the caller's.
    func clientID(ofBusID busID: String) -> String? {
        guard let tenant else { return busID }
        let prefix = "\(tenant)\(Self.separator)"
        return busID.hasPrefix(prefix) ? String(busID.dropFirst(prefix.count)) : nil
    }

    /// The prefix every bus id of the caller's jobs starts with; nil: every job.
    var busIDPrefix: String? { tenant.map { "\($0)\(Self.separator)" } }

    /// Whether `clientID` is a job id this caller may use: the bus's rules, with room for the tenant.
    func isValidJobID(_ clientID: String) -> Bool {
        !clientID.isEmpty && JobRequest.isValidJobID(busID(clientID))
    }

    /// The longest job id the caller may choose.
    var maxJobIDLength: Int { JobRequest.maxJobIDLength - (tenant.map { $0.utf8.count + 1 } ?? 0) }

    /// The tenant review items are filed under: the token's, or `default` (a job's
    /// `metadata.tenant` when it has none) on a gateway without tokens.
    var reviewTenant: String { tenant ?? "default" }

    /// Where the caller's objects live in the store: under `tenants/<tenant>/`.
    func storeKey(_ key: String) -> String { tenant.map { "tenants/\($0)/\(key)" } ?? key }

    /// Tenant names: letters, digits, `-` and `_`, at most 40 (they are part of job ids).
    static func isValidTenant(_ name: String) -> Bool { ReviewItem.isValidTenant(name) }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}
