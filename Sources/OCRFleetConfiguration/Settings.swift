import Configuration
import Foundation

/// One documented option of an executable: read from `--flag-name` or `OCR_FLAG_NAME`.
public struct Setting: Sendable, Hashable {
    /// Dotted key, e.g. `nats.url` → `--nats-url` and `OCR_NATS_URL`.
    public let key: String
    public let defaultDescription: String
    public let help: String

    public init(_ key: String, default defaultDescription: String, _ help: String) {
        self.key = key
        self.defaultDescription = defaultDescription
        self.help = help
    }

    var components: [String] { key.split(separator: ".").map(String.init) }
    public var flag: String { "--" + components.joined(separator: "-") }
    public var environmentName: String { (["OCR"] + components).joined(separator: "_").uppercased() }
}

/// What went wrong reading the command line or environment.
public enum SettingsError: Error, CustomStringConvertible {
    case helpRequested(String)
    case unknownFlag(String, usage: String)
    case invalidValue(Setting, String, expected: String)

    public var description: String {
        switch self {
        case .helpRequested(let text): text
        case .unknownFlag(let flag, let usage): "unknown option \(flag)\n\n\(usage)"
        case .invalidValue(let setting, let value, let expected):
            "\(setting.flag) / \(setting.environmentName): '\(value)' is not \(expected)"
        }
    }
}

/// Reads settings through swift-configuration: command-line flags first, then `OCR_*`
/// environment variables, then the caller's default.
public struct SettingsReader: Sendable {
    private let reader: ConfigReader

    /// Fails with `helpRequested` for `--help`/`-h` and with `unknownFlag` for a flag that
    /// is not among `settings`, so typos never fall back to a default silently.
    public init(
        command: String,
        summary: String,
        settings: [Setting],
        arguments: [String] = CommandLine.arguments,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SettingsError) {
        let usage = Self.usage(command: command, summary: summary, settings: settings)
        let flags = Set(settings.map(\.flag))
        for argument in arguments.dropFirst() {
            if argument == "--help" || argument == "-h" { throw .helpRequested(usage) }
            guard argument.hasPrefix("-") else { continue }
            let name = String(argument.prefix { $0 != "=" })
            guard flags.contains(name) else { throw .unknownFlag(name, usage: usage) }
        }
        let environmentProvider = KeyMappingProvider(
            upstream: EnvironmentVariablesProvider(environmentVariables: environment)
        ) { key in AbsoluteConfigKey(["ocr"] + key.components, context: key.context) }
        reader = ConfigReader(providers: [
            CommandLineArgumentsProvider(arguments: arguments), environmentProvider,
        ])
    }

    /// The raw value. Lists arrive split on commas from both sources and are joined back.
    public func string(_ setting: Setting) -> String? {
        guard let values = reader.stringArray(forKey: ConfigKey(setting.components)) else { return nil }
        let joined = values.joined(separator: ",")
        return joined.isEmpty ? nil : joined
    }

    public func string(_ setting: Setting, default value: String) -> String { string(setting) ?? value }

    public func list(_ setting: Setting, default value: [String] = []) -> [String] {
        guard let text = string(setting) else { return value }
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A list each item of which `parse` reads; one it cannot read is an error naming `expected`.
    public func list<T>(_ setting: Setting, expected: String, _ parse: (String) -> T?) throws(SettingsError) -> [T] {
        var items: [T] = []
        for text in list(setting) {
            guard let item = parse(text) else { throw .invalidValue(setting, text, expected: expected) }
            items.append(item)
        }
        return items
    }

    public func int(
        _ setting: Setting,
        default value: Int,
        range: ClosedRange<Int> = 0...Int.max
    )
        throws(SettingsError) -> Int
    {
        guard let text = string(setting) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw .invalidValue(setting, text, expected: "a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`).
    public func bool(_ setting: Setting, default value: Bool) throws(SettingsError) -> Bool {
        guard let text = string(setting)?.lowercased() else { return value }
        switch text {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw .invalidValue(setting, text, expected: "true or false")
        }
    }

    public func double(_ setting: Setting, default value: Double) throws(SettingsError) -> Double {
        guard let text = string(setting) else { return value }
        guard let number = Double(text), number >= 0 else {
            throw .invalidValue(setting, text, expected: "a non-negative number")
        }
        return number
    }

    public func choice<T: RawRepresentable & CaseIterable>(
        _ setting: Setting,
        default value: T
    )
        throws(SettingsError) -> T where T.RawValue == String
    {
        guard let text = string(setting) else { return value }
        guard let parsed = T(rawValue: text.lowercased()) else {
            throw .invalidValue(
                setting,
                text,
                expected: "one of " + T.allCases.map(\.rawValue).joined(separator: ", ")
            )
        }
        return parsed
    }

    static func usage(command: String, summary: String, settings: [Setting]) -> String {
        var lines = ["USAGE: \(command) [options]", "", summary, "", "OPTIONS (flag, environment variable, default):"]
        for setting in settings {
            lines.append("  \(setting.flag) <value>   \(setting.environmentName)   default: \(setting.defaultDescription)")
            lines.append("      \(setting.help)")
        }
        lines.append("  -h, --help   Show this help.")
        return lines.joined(separator: "\n")
    }
}

/// Settings shared by every process that connects to NATS.
public enum CommonSettings {
    public static let natsURL = Setting(
        "nats.url",
        default: "nats://127.0.0.1:4222",
        "NATS server URL(s), comma-separated."
    )
    public static let natsCreds = Setting("nats.creds", default: "unset", "NATS credentials file (JWT + nkey).")
    public static let natsUser = Setting("nats.user", default: "unset", "NATS user name.")
    public static let natsPassword = Setting("nats.password", default: "unset", "NATS password.")
    public static let natsTLSCA = Setting("nats.tls.ca", default: "unset", "CA certificate file for TLS to NATS.")
    public static let natsInboxPrefix = Setting(
        "nats.inbox.prefix",
        default: "_INBOX",
        "Prefix of this process's NATS reply subjects; with per-user permissions each user gets its own."
    )
    public static let streamReplicas = Setting(
        "stream.replicas",
        default: "1",
        "Replicas of the JetStream streams and KV bucket (3 in a cluster)."
    )
    public static let logLevel = Setting(
        "log.level",
        default: "info",
        "Log level: trace, debug, info, notice, warning, error, critical."
    )

    public static let logFormat = Setting(
        "log.format",
        default: "auto",
        "Log lines: json (one object a line), text, or auto (text on a terminal, else json)."
    )

    public static let egressAllow = Setting(
        "egress.allow",
        default: "unset (public addresses only)",
        "What job and callback URLs may reach besides public addresses, comma-separated: hosts (store.internal, *.svc.cluster.local), IPv4/IPv6 networks (10.0.0.0/8, fd00::/8, 127.0.0.1), each optionally with :port ([::1]:8080)."
    )

    public static let otlpEndpoint = Setting(
        "otlp.endpoint",
        default: "unset (no traces)",
        "OpenTelemetry collector for traces, OTLP/HTTP protobuf, e.g. http://otel-collector:4318 (/v1/traces is added unless a path is given)."
    )

    public static let traceSampleRatio = Setting(
        "trace.sample.ratio",
        default: "1",
        "Share of the traces that start here (no caller's traceparent) to record, 0-1; a caller's sampled flag is always followed."
    )

    public static let all = [
        natsURL, natsCreds, natsUser, natsPassword, natsTLSCA, natsInboxPrefix, streamReplicas, logLevel, logFormat,
        egressAllow, otlpEndpoint, traceSampleRatio,
    ]
}
