import Foundation
import OCRFleetBus

/// The fleet's NATS users as `deploy/nats-users.conf` declares them (the file the local fleet
/// and Kubernetes use), with passwords made for one test server.
public struct FleetNATSUsers: Sendable {
    /// Who connects: each has its own user, password and reply-subject prefix.
    public enum Role: String, Sendable, CaseIterable {
        case gateway, worker
        /// `ocrctl`'s commands that talk to NATS.
        case ocrctl

        public var user: String {
            switch self {
            case .gateway: "ocr-gateway"
            case .worker: "ocr-worker"
            case .ocrctl: "ocr-operator"
            }
        }

        public var inboxPrefix: String {
            switch self {
            case .gateway: "_INBOX.gateway"
            case .worker: "_INBOX.worker"
            case .ocrctl: "_INBOX.operator"
            }
        }

        /// The variable nats-server reads this user's password from.
        var serverVariable: String {
            switch self {
            case .gateway: "OCR_NATS_GATEWAY_PASSWORD"
            case .worker: "OCR_NATS_WORKER_PASSWORD"
            case .ocrctl: "OCR_NATS_OPERATOR_PASSWORD"
            }
        }
    }

    /// `deploy/nats-users.conf` in this checkout.
    public static let file: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("deploy/nats-users.conf").path
    }()

    public let passwords: [Role: String]

    /// Fresh passwords: letters and digits starting with a letter, as the file asks.
    public init() {
        passwords = Dictionary(
            uniqueKeysWithValues: Role.allCases.map { role in
                (role, "p" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())
            }
        )
    }

    /// The `OCR_NATS_*` variables a process of `role` connects with.
    public func environment(_ role: Role) -> [String: String] {
        ["OCR_NATS_USER": role.user, "OCR_NATS_PASSWORD": passwords[role]!, "OCR_NATS_INBOX_PREFIX": role.inboxPrefix]
    }

    /// Connection options for `role` at `url`.
    public func options(_ role: Role, url: String, name: String) -> NATSConnectionOptions {
        NATSConnectionOptions(
            urls: [url],
            name: name,
            user: role.user,
            password: passwords[role],
            inboxPrefix: role.inboxPrefix
        )
    }

    /// The variables nats-server reads the passwords from.
    var serverEnvironment: [String: String] {
        Dictionary(uniqueKeysWithValues: Role.allCases.map { ($0.serverVariable, passwords[$0]!) })
    }
}
