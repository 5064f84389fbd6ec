import Foundation

/// iproute2's `ip`, run to its end.
enum IPCommand {
    static let path =
        ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        } ?? "/usr/sbin/ip"

    /// Fails with what `ip` said unless it exits 0 (`quietly`: a failure is expected at times).
    static func run(_ arguments: [String], quietly: Bool = false) async throws {
        _ = try await execute(arguments, keepingOutput: false, quietly: quietly)
    }

    /// What `ip` printed (a listing); fails like `run`.
    static func output(_ arguments: [String]) async throws -> String {
        try await execute(arguments, keepingOutput: true, quietly: false)
    }

    /// Runs `ip`; returns its output and errors together when `keepingOutput`, else its errors.
    private static func execute(_ arguments: [String], keepingOutput: Bool, quietly: Bool) async throws -> String {
        let errors = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = keepingOutput ? errors : FileHandle.nullDevice
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw TestEnvironmentError("cannot run \(path) (iproute2 is needed for network namespaces): \(error)")
        }
        let message = try await BuiltExecutable.readAll(errors, until: process)
        guard process.terminationStatus == 0 || quietly else {
            throw TestEnvironmentError("ip \(arguments.joined(separator: " ")) failed (root is needed): \(message)")
        }
        return message
    }
}
