/// The worker cannot run here as configured; it stops at start-up with this message.
struct WorkerStartError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
