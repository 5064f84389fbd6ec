import OCRFleetContent
import OCRFleetModel
import Testing

@Suite struct SourcePolicyTests {
    static func refusal(_ policy: SourcePolicy, _ url: String, allowList: Bool = true) async -> OCRError? {
        do {
            try await policy.check(url, checkAllowList: allowList)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        "http://169.254.169.254/latest/meta-data/iam/", "http://169.254.10.1:8080/x", "http://[fe80::1]/x",
        "http://[::ffff:169.254.169.254]/x", "http://[fd00:ec2::254]/latest", "http://100.100.100.200/",
        "http://metadata.google.internal/computeMetadata/v1/", "http://0.0.0.0:8080/x",
    ])
    func metadataAndLinkLocalAddressesAreRefused(url: String) async {
        let error = await Self.refusal(SourcePolicy(), url)
        #expect(error?.code == .invalidJob, "\(url)")
        #expect(await Self.refusal(SourcePolicy(allowLinkLocal: true), url) == nil)
    }

    @Test func ordinaryHostsPassAndTheAllowListIsEnforced() async {
        #expect(await Self.refusal(SourcePolicy(), "http://127.0.0.1:8080/v1/store/x") == nil)
        #expect(await Self.refusal(SourcePolicy(), "http://localhost/x") == nil)
        #expect(await Self.refusal(SourcePolicy(), "https://10.1.2.3/x") == nil)

        let policy = SourcePolicy(allowedHosts: ["*.example.com", "127.0.0.1"])
        #expect(await Self.refusal(policy, "http://127.0.0.1:9/x") == nil)
        let outside = await Self.refusal(policy, "http://localhost/x")
        #expect(outside?.code == .invalidJob && outside?.message.contains("OCR_SOURCE_ALLOW_HOSTS") == true)
        // Result URLs are not held to the source allow-list, only to the address rule.
        #expect(await Self.refusal(policy, "http://localhost/x", allowList: false) == nil)
        #expect(await Self.refusal(policy, "http://169.254.169.254/x", allowList: false)?.code == .invalidJob)
    }
}
