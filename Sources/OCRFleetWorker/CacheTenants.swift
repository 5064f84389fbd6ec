import OCRFleetModel

/// Whose jobs reuse earlier results (`OCR_CACHE_TENANTS`, docs/storage.md#result-cache), and
/// the scope their results are kept in: a tenant's results serve only that tenant's jobs.
public struct CacheTenants: Sendable, Equatable {
    /// Tenants named; empty with `everyone` false: no job is cached.
    public var tenants: Set<String>
    /// Every tenant, and the jobs on the shared routes (a gateway without tokens, publishers on the bus).
    public var everyone: Bool

    public init(tenants: Set<String> = [], everyone: Bool = false) {
        self.tenants = tenants
        self.everyone = everyone
    }

    /// Reads the setting's items: tenant names, `*`, or `none` alone.
    public init?(_ items: [String]) {
        self.init()
        for item in items {
            switch item {
            case "*": everyone = true
            case "none" where items.count == 1: return
            case _ where JobRoute.isTenantName(item): tenants.insert(item)
            default: return nil
            }
        }
    }

    /// The scope of a job delivered on `subject`'s results, or nil when its tenant is not cached.
    /// Tenants' scopes are `t-<tenant>` and the shared routes' `shared`, which no tenant's can spell.
    func scope(ofSubject subject: String) -> String? {
        guard let (_, tenant) = JobRoute.tenantRoute(of: subject) else { return everyone ? "shared" : nil }
        return everyone || tenants.contains(tenant) ? "t-\(tenant)" : nil
    }
}
