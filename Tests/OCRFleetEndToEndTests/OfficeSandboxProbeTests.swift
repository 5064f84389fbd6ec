import AsyncHTTPClient
import Foundation
import OCRFleetModel
import OCRFleetTesting
import Testing

/// The built `ocr-worker` says how it runs LibreOffice in its start-up log and on `/readyz`.
@Suite(.serialized) struct OfficeSandboxProbeTests {
    @Test(arguments: [
        (nil, "sandboxed without network ("),
        ("off", "unsandboxed (OCR_OFFICE_SANDBOX=off): LibreOffice has the worker's network"),
    ])
    func theWorkerSaysHowItRunsLibreOffice(mode: String?, says: String) async throws {
        try await withFleet(runWorker: false) { fleet in
            let port = try await FreePort.find()
            let log = Pipe()
            var environment = [
                "OCR_NATS_URL": fleet.server.url, "OCR_PROBE_PORT": "\(port)", "OCR_PROBE_HOST": "127.0.0.1",
                "OCR_LOG_LEVEL": "info", "OCR_LOG_FORMAT": "json",
            ]
            environment["OCR_OFFICE_SANDBOX"] = mode
            let worker = try BuiltExecutable.run("ocr-worker", [], environment: environment, stderr: log.fileHandleForWriting)
            defer { worker.terminate() }
            let deadline = ContinuousClock.now + .seconds(60)
            var ready: (status: Int, body: String)?
            while ready?.status != 200 {
                guard ContinuousClock.now < deadline, worker.isRunning else { throw TestEnvironmentError("worker never ready") }
                ready = try? await WorkerProbeTests.get("http://127.0.0.1:\(port)/readyz")
                if ready?.status != 200 { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(ready?.body.hasPrefix("ready\noffice: " + says) == true, "\(ready?.body ?? "")")
            worker.terminate()
            let text = try await BuiltExecutable.readAll(log, until: worker)
            let lines = text.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
            }
            let started = try #require(lines.first { $0["message"] == "worker ready" }, "\(text)")
            #expect(started["office_sandbox"]?.hasPrefix(says) == true, "\(started)")
        }
    }

    /// Waits for the worker's `/readyz` to answer 200; its body.
    static func ready(port: Int, worker: Process) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            guard ContinuousClock.now < deadline, worker.isRunning else { throw TestEnvironmentError("worker never ready") }
            if let answer = try? await WorkerProbeTests.get("http://127.0.0.1:\(port)/readyz"), answer.status == 200 {
                return answer.body
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// `unshare -r` works here (else user namespaces are refused already).
    static func userNamespacesWork() async throws -> Bool {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        probe.arguments = ["-r", "true"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        try await BuiltExecutable.waitForExit(probe)
        return probe.terminationStatus == 0
    }

    /// The worker where neither sandbox layer works, as under Kubernetes' RuntimeDefault
    /// profile with the launcher missing: a link to the built worker (and its document child)
    /// in a directory without `ocr-office-sandbox`, run in a user namespace that may create no nested one (so
    /// `unshare -rn` fails, yet the worker keeps the machine's network).
    @Test func withoutAnySandboxOfficeFilesFailClosedWhileTheRestIsServed() async throws {
        try await withFleet(runWorker: false) { fleet in
            let directory = NSTemporaryDirectory() + "no-office-sandbox-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let alone = directory + "/ocr-worker"
            try FileManager.default.linkItem(atPath: BuiltExecutable.path("ocr-worker"), toPath: alone)
            // Documents' children are beside it, as in the image: only the office launcher is missing.
            try FileManager.default.linkItem(
                atPath: BuiltExecutable.path("ocr-document-child"),
                toPath: directory + "/ocr-document-child"
            )
            let port = try await FreePort.find()
            let log = Pipe()
            let worker = Process()
            if try await Self.userNamespacesWork() {
                worker.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
                worker.arguments = ["-r", "/bin/sh", "-c", #"echo 0 > /proc/sys/user/max_user_namespaces && exec "$0""#, alone]
            } else {
                worker.executableURL = URL(fileURLWithPath: alone)
            }
            worker.environment = ProcessInfo.processInfo.environment.merging([
                "OCR_NATS_URL": fleet.server.url, "OCR_PROBE_PORT": "\(port)", "OCR_PROBE_HOST": "127.0.0.1",
                "OCR_LOG_LEVEL": "info", "OCR_LOG_FORMAT": "json", "OCR_WORKER_NAME": "unsandboxable",
                // The test's store is on loopback (LoopbackEgress.allow).
                "OCR_EGRESS_ALLOW": "127.0.0.0/8,::1",
            ]) { _, new in new }
            worker.standardOutput = FileHandle.nullDevice
            worker.standardError = log.fileHandleForWriting
            try worker.run()
            defer { worker.terminate() }

            let body = try await Self.ready(port: port, worker: worker)
            #expect(body.hasPrefix("ready\noffice: unavailable: office conversions are refused"), "\(body)")
            try await fleet.submit(file: Fixtures.path("office/handbook.doc"), jobID: "doc-without-sandbox")
            try await fleet.submit(file: Fixtures.path("invoice.png"), jobID: "png-without-sandbox")
            let refused = try await fleet.waitForTerminalState("doc-without-sandbox")
            #expect(refused.state == .failed && refused.error?.code == .unsupportedFormat)
            #expect(
                refused.error?.message
                    == "DOC files are converted by LibreOffice, which this worker runs only without network, and no "
                    + "sandbox works here (OCR_OFFICE_SANDBOX=required)"
            )
            #expect(try await fleet.waitForTerminalState("png-without-sandbox").state == .completed)

            worker.terminate()
            let text = try await BuiltExecutable.readAll(log, until: worker)
            let lines = text.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
            }
            let warning = lines.first { $0["message"] == "LibreOffice cannot be kept off the network here: office files that need it are refused" }
            #expect(warning?["level"] == "warning", "\(text)")
        }
    }

    /// `command` as the unprivileged user `nobody`, as the worker runs in Kubernetes.
    static func asNobody(_ command: [String], environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups"] + command
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Whether another process of user `nobody` can read `pid`'s environment.
    static func environmentReadable(of pid: Int32) async throws -> Bool {
        let reader = try asNobody(["/bin/cat", "/proc/\(pid)/environ"])
        try await BuiltExecutable.waitForExit(reader)
        return reader.terminationStatus == 0
    }

    /// LibreOffice runs as the worker's user, so the worker closes its memory and environment
    /// (credentials) to other processes of that user, which an ordinary process does not.
    @Test func theWorkersEnvironmentIsClosedToItsUsersOtherProcesses() async throws {
        try await withFleet(runWorker: false) { fleet in
            let port = try await FreePort.find()
            let worker = try Self.asNobody(
                [BuiltExecutable.path("ocr-worker")],
                environment: [
                    "OCR_NATS_URL": fleet.server.url, "OCR_PROBE_PORT": "\(port)", "OCR_PROBE_HOST": "127.0.0.1",
                    "OCR_LOG_LEVEL": "warning",
                ]
            )
            defer { worker.terminate() }
            _ = try await Self.ready(port: port, worker: worker)
            let bystander = try Self.asNobody(["/bin/sleep", "600"])
            // SIGKILL: the test runner's children inherit its blocked signals.
            defer { kill(bystander.processIdentifier, SIGKILL) }
            // setpriv drops to nobody, then becomes sleep.
            let deadline = ContinuousClock.now + .seconds(30)
            while (try? String(contentsOfFile: "/proc/\(bystander.processIdentifier)/comm", encoding: .utf8)) != "sleep\n" {
                guard ContinuousClock.now < deadline else { throw TestEnvironmentError("sleep never started") }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try await Self.environmentReadable(of: bystander.processIdentifier))
            #expect(try await !Self.environmentReadable(of: worker.processIdentifier))
            worker.terminate()
            try await BuiltExecutable.waitForExit(worker)
        }
    }
}
