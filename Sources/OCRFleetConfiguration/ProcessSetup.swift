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

    /// Logs to standard error at `level` (unknown names mean `info`).
    public static func bootstrapLogging(level: String) {
        let parsed = Logger.Level(rawValue: level.lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = parsed
            return handler
        }
    }
}
