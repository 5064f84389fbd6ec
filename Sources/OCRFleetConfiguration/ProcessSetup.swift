import Foundation
import Logging

/// Start-up steps every executable shares.
public enum ProcessSetup {
    /// Parses configuration, printing `--help` (exit 0) or the error and usage (exit 2).
    public static func configuration<T>(_ parse: () throws(SettingsError) -> T) -> T {
        do {
            return try parse()
        } catch .helpRequested(let usage) {
            print(usage)
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(2)
        }
    }

    /// How log lines look: JSON for collectors, text for people.
    public enum LogFormat: String, Sendable, CaseIterable {
        case json, text
        /// JSON unless standard error is a terminal.
        case auto
    }

    /// Logs to standard error at `level` (unknown names mean `info`) in `format`; every line
    /// also carries what `metadataProvider` finds where it is logged (a tracer's span ids).
    public static func bootstrapLogging(
        level: String,
        format: LogFormat = .auto,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        let parsed = Logger.Level(rawValue: level.lowercased()) ?? .info
        let json = format == .json || (format == .auto && isatty(STDERR_FILENO) != 1)
        LoggingSystem.bootstrap(
            { label, provider in
                var handler: any LogHandler =
                    json
                    ? JSONLogHandler(label: label, metadataProvider: provider)
                    : StreamLogHandler.standardError(label: label, metadataProvider: provider)
                handler.logLevel = parsed
                return handler
            },
            metadataProvider: metadataProvider
        )
    }
}
