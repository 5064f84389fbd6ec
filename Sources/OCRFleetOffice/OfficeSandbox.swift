import Foundation

/// Whether office conversions need LibreOffice kept off the network (`OCR_OFFICE_SANDBOX`).
public enum OfficeSandboxMode: String, Sendable, CaseIterable {
    /// Conversions run only in a sandbox without network; without one they are refused.
    case required
    /// The operator's explicit opt-out: LibreOffice runs with the worker's network.
    case off
}

/// What keeps LibreOffice off the network on this machine, found once at start-up: a document
/// LibreOffice opens may name URLs (linked images, external data), and it reaches them with
/// the worker's network unless something stops it.
public struct OfficeSandbox: Sendable, CustomStringConvertible {
    /// A layer of isolation, outermost first when several work.
    public enum Layer: String, Sendable {
        /// `unshare -rn`: a user and network namespace with only a loopback device, down.
        /// Needs unprivileged user namespaces, which Kubernetes' RuntimeDefault seccomp
        /// profile refuses.
        case networkNamespace = "network namespace"
        /// `ocr-office-sandbox`: a seccomp filter refusing every socket but Unix ones. Needs
        /// nothing the shipped security context withholds.
        case seccomp
    }

    public let mode: OfficeSandboxMode
    /// The layers that work here; empty: none does.
    public let layers: [Layer]
    let unshare: String
    let launcher: String

    /// Tries each layer with a harmless command. `unshare` and `launcher` are where those
    /// programs are; the launcher is looked for beside the running executable by default.
    public static func probe(
        mode: OfficeSandboxMode,
        unshare: String = "/usr/bin/unshare",
        launcher: String? = nil
    ) async -> OfficeSandbox {
        let launcher = launcher ?? defaultLauncher
        guard mode == .required else { return OfficeSandbox(mode: mode, layers: [], unshare: unshare, launcher: launcher) }
        var layers: [Layer] = []
        if await ChildProcess.succeeds([unshare, "-rn", "true"]) { layers.append(.networkNamespace) }
        if await ChildProcess.succeeds([launcher, "--check"]) { layers.append(.seccomp) }
        return OfficeSandbox(mode: mode, layers: layers, unshare: unshare, launcher: launcher)
    }

    /// `ocr-office-sandbox` in the directory of the running executable (the worker's, or a
    /// test runner's in the same build directory).
    public static var defaultLauncher: String {
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return executable.deletingLastPathComponent().appendingPathComponent("ocr-office-sandbox").path
    }

    /// LibreOffice may run: in a sandbox, or because the operator turned it off.
    public var allowsConversion: Bool { mode == .off || !layers.isEmpty }

    /// `command` (an absolute path and its arguments) inside every layer that works.
    func wrap(_ command: [String]) -> [String] {
        var wrapped = command
        if layers.contains(.seccomp) { wrapped = [launcher] + wrapped }
        if layers.contains(.networkNamespace) { wrapped = [unshare, "-rn"] + wrapped }
        return wrapped
    }

    /// For the start-up log and `/readyz`.
    public var description: String {
        switch (mode, layers.isEmpty) {
        case (.off, _): "unsandboxed (OCR_OFFICE_SANDBOX=off): LibreOffice has the worker's network"
        case (.required, true):
            "unavailable: office conversions are refused (no user namespaces for unshare -rn, and \(launcher) "
                + "cannot install its seccomp filter)"
        case (.required, false): "sandboxed without network (\(layers.map(\.rawValue).joined(separator: " + ")))"
        }
    }
}
