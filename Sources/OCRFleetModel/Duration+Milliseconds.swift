extension Duration {
    /// Whole milliseconds, as the contract's `*_ms` fields and libnats' delays use them.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
