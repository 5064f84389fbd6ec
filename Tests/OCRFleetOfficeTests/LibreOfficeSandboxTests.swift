import Foundation
import OCRFleetModel
import OCRFleetOffice
import OCRFleetTesting
import Testing

/// LibreOffice runs without network or not at all, unless the operator opts out.
@Suite struct LibreOfficeSandboxTests {
    /// Stands in for `unshare` or `ocr-office-sandbox` where they cannot work.
    static let unavailable = "/usr/bin/false"

    static func workDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "office-sandbox-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A copy of the fixture `name` in `directory`, where the converter links it from (as
    /// the worker's download is).
    static func source(_ name: String, in directory: String) throws -> String {
        let path = directory + "/source-" + (name as NSString).lastPathComponent
        try FileManager.default.copyItem(atPath: Fixtures.path(name), toPath: path)
        return path
    }

    @Test func withoutASandboxConversionsFailClosed() async throws {
        let sandbox = await OfficeSandbox.probe(mode: .required, unshare: Self.unavailable, launcher: Self.unavailable)
        #expect(sandbox.layers.isEmpty && !sandbox.allowsConversion)
        #expect(sandbox.description.hasPrefix("unavailable: office conversions are refused"))
        let directory = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let converter = LibreOfficeConverter(timeLimit: .seconds(120), sandbox: sandbox)
        await #expect {
            try await converter.convert(Fixtures.path("office/handbook.doc"), format: .doc, to: .pdf, in: directory)
        } throws: { error in
            error as? OCRError
                == OCRError(
                    .unsupportedFormat,
                    "DOC files are converted by LibreOffice, which this worker runs only without network, and no sandbox "
                        + "works here (OCR_OFFICE_SANDBOX=required)"
                )
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/libreoffice"), "LibreOffice never started")
    }

    @Test func theOptOutConvertsUnsandboxed() async throws {
        let sandbox = await OfficeSandbox.probe(mode: .off, unshare: Self.unavailable, launcher: Self.unavailable)
        #expect(sandbox.allowsConversion && sandbox.layers.isEmpty)
        let converter = LibreOfficeConverter(timeLimit: .seconds(120), sandbox: sandbox)
        try #require(converter.executable != nil, "LibreOffice is installed (scripts/install-deps.sh)")
        let directory = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let conversion = try await converter.convert(
            try Self.source("office/handbook.doc", in: directory),
            format: .doc,
            to: .pdf,
            in: directory
        )
        #expect(try Data(contentsOf: URL(fileURLWithPath: conversion.output)).starts(with: Data("%PDF-".utf8)))
        // What LibreOffice printed comes back counted, for the job's log line.
        #expect((conversion.messages.counts["libreoffice.stdout"] ?? 0) >= 1, "\(conversion.messages)")
        #expect(conversion.messages.first.contains { $0.contains("convert") }, "\(conversion.messages.first)")
    }

    /// A stand-in for `soffice` that starts a grandchild, notes its pid, and never ends.
    static func hangingOffice(in directory: String) throws -> String {
        let path = directory + "/soffice"
        let script = """
            #!/bin/bash
            while [ $# -gt 0 ]; do
              if [ "$1" = --outdir ]; then out="$2"; fi
              shift
            done
            sleep 1000 &
            echo $! >"$out/grandchild"
            echo converting
            sleep 1000

            """
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    @Test func aConversionOverItsTimeLimitIsKilledWithEverythingItStarted() async throws {
        let sandbox = await OfficeSandbox.probe(mode: .off)
        let directory = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let converter = LibreOfficeConverter(timeLimit: .seconds(1), executable: try Self.hangingOffice(in: directory), sandbox: sandbox)
        await #expect(throws: OCRError(.engineTimeout, "LibreOffice did not convert the ODT within 1 s")) {
            _ = try await converter.convert(try Self.source("office/handbook.odt", in: directory), format: .odt, to: .pdf, in: directory)
        }
        let pid = try #require(
            Int32(String(contentsOfFile: directory + "/libreoffice/out/grandchild", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        )
        // SIGKILL reached the whole group: the grandchild is gone, or a zombie its new parent has yet to reap.
        func alive() -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
            return !stat.contains(") Z ")
        }
        let killed = ContinuousClock.now
        while alive(), ContinuousClock.now - killed < .seconds(10) { await Task.yield() }
        #expect(!alive(), "the conversion's grandchild \(pid) outlived it")
    }

    /// The seccomp layer alone is what the shipped Kubernetes security context allows.
    @Test func libreOfficeConvertsUnderTheSeccompFilterAlone() async throws {
        let sandbox = await OfficeSandbox.probe(
            mode: .required,
            unshare: Self.unavailable,
            launcher: BuiltExecutable.path("ocr-office-sandbox")
        )
        #expect(sandbox.layers == [.seccomp])
        let converter = LibreOfficeConverter(timeLimit: .seconds(120), sandbox: sandbox)
        try #require(converter.executable != nil, "LibreOffice is installed (scripts/install-deps.sh)")
        let directory = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pdf = try await converter.convert(
            try Self.source("office/handbook.odt", in: directory),
            format: .odt,
            to: .pdf,
            in: directory
        ).output
        #expect(try Data(contentsOf: URL(fileURLWithPath: pdf)).starts(with: Data("%PDF-".utf8)))
    }

    /// A stand-in for `soffice` that tries to reach `port` on loopback, notes whether it could
    /// in `network` beside its output, and writes the PDF soffice would.
    static func networkProbingOffice(in directory: String, port: Int) throws -> String {
        let path = directory + "/soffice"
        let script = """
            #!/bin/bash
            while [ $# -gt 0 ]; do
              if [ "$1" = --outdir ]; then out="$2"; fi
              shift
            done
            if (: <>/dev/tcp/127.0.0.1/\(port)) 2>"$out/network-error"; then echo reached >"$out/network"
            else echo refused >"$out/network"; fi
            printf '%%PDF-1.4\\n' >"$out/document.pdf"

            """
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    @Test func sandboxedLibreOfficeCannotReachALoopbackListener() async throws {
        let launcher = BuiltExecutable.path("ocr-office-sandbox")
        let everything = await OfficeSandbox.probe(mode: .required, launcher: launcher)
        #expect(everything.layers.contains(.seccomp), "the seccomp filter works wherever ocr-office-sandbox is built")
        // Each layer alone (the network namespace only where user namespaces are allowed),
        // both, and the opt-out as the control that shows the listener is there to reach.
        var sandboxes = [
            await OfficeSandbox.probe(mode: .required, unshare: Self.unavailable, launcher: launcher), everything,
            await OfficeSandbox.probe(mode: .off),
        ]
        if everything.layers.contains(.networkNamespace) {
            sandboxes.append(await OfficeSandbox.probe(mode: .required, launcher: Self.unavailable))
        }
        try await withNATSServer { server in
            for sandbox in sandboxes {
                let directory = try Self.workDirectory()
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let office = try Self.networkProbingOffice(in: directory, port: server.port)
                let converter = LibreOfficeConverter(timeLimit: .seconds(60), executable: office, sandbox: sandbox)
                let pdf = try await converter.convert(
                    try Self.source("office/handbook.odt", in: directory),
                    format: .odt,
                    to: .pdf,
                    in: directory
                ).output
                let outcome = try String(contentsOfFile: directory + "/libreoffice/out/network", encoding: .utf8)
                let error = (try? String(contentsOfFile: directory + "/libreoffice/out/network-error", encoding: .utf8)) ?? ""
                #expect(FileManager.default.fileExists(atPath: pdf))
                #expect(outcome == (sandbox.layers.isEmpty ? "reached\n" : "refused\n"), "\(sandbox): \(error)")
            }
        }
    }
}
