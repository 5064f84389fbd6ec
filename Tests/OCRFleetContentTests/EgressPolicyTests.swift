import OCRFleetContent
import OCRFleetModel
import Testing

/// Which URLs the egress policy lets through, and what it tells the submitter.
@Suite struct EgressPolicyTests {
    /// Names resolve here without DNS: a test never queries a resolver outside the machine.
    static let resolver = HostResolver.fixed([
        "public.example": [IPAddress("93.184.215.14")!, IPAddress("2606:2800:21f:cb07:6820:80da:af6b:8b2c")!],
        "mixed.example": [IPAddress("93.184.215.14")!, IPAddress("10.0.0.7")!],
        "rebind.example": [IPAddress("127.0.0.1")!], "metadata-alias.example": [IPAddress("169.254.169.254")!],
        "store.internal": [IPAddress("10.1.2.3")!], "minio.storage.svc.cluster.local": [IPAddress("10.96.0.12")!],
    ])

    static func policy(_ allowed: [String] = [], hosts: [String] = []) -> EgressPolicy {
        EgressPolicy(allowed: allowed.compactMap { EgressRule($0) }, hosts: hosts, resolver: resolver)
    }

    static func refusal(_ policy: EgressPolicy, _ url: String, narrowed: Bool = true) async -> EgressRefusal? {
        do {
            _ = try await policy.destination(of: url, narrowed: narrowed)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        "http://127.0.0.1:8080/x", "http://2130706433/", "http://0177.0.0.1/", "http://0x7f.1/", "http://127.1/",
        "http://0x7f000001/", "http://127.0.0.1./", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/",
        "http://[::127.0.0.1]/", "http://[64:ff9b::7f00:1]/", "http://[2002:7f00:1::1]/", "http://0.0.0.0/", "http://0/",
        "http://10.0.0.1/", "http://012.0.0.1/", "http://172.16.5.4/", "http://192.168.0.1/", "http://192.168.1/",
        "http://100.64.0.1/", "http://169.254.169.254/latest/meta-data/", "http://0xa9fea9fe/", "http://169.254.10.1/",
        "http://[fe80::1]/", "http://[fd00:ec2::254]/", "http://100.100.100.200/", "http://168.63.129.16/",
        "http://[fc00::1]/", "http://224.0.0.1/", "http://[ff02::1]/", "http://255.255.255.255/", "http://198.18.0.1/",
        "http://192.0.2.1/", "http://240.0.0.1/", "http://[::]/", "http://[::ffff:169.254.169.254]/",
        "http://%31%32%37.0.0.1/", "http://metadata.google.internal/computeMetadata/v1/", "http://METADATA/",
        "http://rebind.example/", "http://metadata-alias.example/", "http://mixed.example/",
    ])
    func internalAddressesAreRefusedInEverySpelling(url: String) async {
        let refusal = await Self.refusal(Self.policy(), url)
        guard case .refused = refusal?.reason else {
            Issue.record("\(url): \(refusal.map { "\($0)" } ?? "allowed")")
            return
        }
    }

    @Test(arguments: [
        "file:///etc/passwd", "ftp://public.example/x", "http+unix://%2Ftmp%2Fsock/x", "unix:///tmp/sock", "gopher://public.example/",
        "javascript:alert(1)", "HTTP+UNIX://%2Fvar%2Frun%2Fdocker.sock/info",
    ])
    func onlyHTTPAndHTTPSAreSpoken(url: String) async {
        #expect(await Self.refusal(Self.policy(["127.0.0.0/8"]), url)?.reason == .scheme, "\(url)")
    }

    @Test(arguments: [
        "http://1.2.3.4.5/", "http://256.1.1.1/", "http://exa%00mple.com/", "http:///x", "http://[fe80::1%25eth0]/", "http://127.0.0.1:99999/",
        "not a url",
    ])
    func malformedHostsAreBadURLs(url: String) async {
        #expect(await Self.refusal(Self.policy(), url)?.reason == .badURL, "\(url)")
    }

    @Test func publicHostsPassAndTheConnectionIsPinnedToTheCheckedAddress() async throws {
        let destination = try await Self.policy().destination(of: "https://Public.Example/doc.pdf?sig=1", narrowed: true)
        #expect(destination.address == IPAddress("93.184.215.14"))
        #expect(destination.host == "Public.Example" && destination.port == 443)
        #expect(destination.dnsOverride == ["Public.Example": "93.184.215.14"])
        let literal = try await Self.policy().destination(of: "http://93.184.215.14:8080/x", narrowed: true)
        #expect(literal.dnsOverride.isEmpty && literal.port == 8080)
        // A spelled-out address is connected to as the address it denotes, not looked up again.
        let spelled = try await Self.policy(["127.0.0.0/8"]).destination(of: "http://0x7f.1/", narrowed: true)
        #expect(spelled.dnsOverride == ["0x7f.1": "127.0.0.1"])
    }

    @Test func theAllowListOpensHostsNetworksAndPorts() async throws {
        let policy = Self.policy(["store.internal", "*.svc.cluster.local", "127.0.0.1:8080", "192.168.0.0/16", "[::1]:9000"])
        for url in [
            "http://store.internal/x", "http://minio.storage.svc.cluster.local:9000/b/k", "http://127.0.0.1:8080/x",
            "http://2130706433:8080/x", "http://192.168.3.4/", "http://[::ffff:192.168.3.4]/", "http://[::1]:9000/",
        ] {
            #expect(await Self.refusal(policy, url) == nil, "\(url)")
        }
        for url in [
            "http://127.0.0.1:8081/x", "http://10.1.2.3/x", "http://[::1]:9001/", "http://rebind.example/",
            "http://svc.cluster.local.evil/", "http://169.254.169.254/",
        ] {
            #expect(await Self.refusal(policy, url) != nil, "\(url)")
        }
        // A name allowed by name keeps its internal address as the connection's target.
        let named = try await policy.destination(of: "http://store.internal/x", narrowed: true)
        #expect(named.address == IPAddress("10.1.2.3"))
    }

    @Test func narrowingHostsNarrowAndNeverWiden() async {
        let policy = Self.policy(hosts: ["*.example", "127.0.0.1"])
        #expect(await Self.refusal(policy, "https://public.example/x") == nil)
        #expect(await Self.refusal(policy, "https://store.internal/x")?.reason == .notInHostList)
        // In the list, but still an internal address the egress policy does not open.
        #expect(await Self.refusal(policy, "http://127.0.0.1/x")?.reason == .refused(.loopback))
        #expect(await Self.refusal(policy, "http://rebind.example/x")?.reason == .refused(.loopback))
        // Result URLs are not narrowed, only held to the egress policy.
        #expect(await Self.refusal(policy, "https://store.internal/x", narrowed: false)?.reason == .refused(.private))
    }

    @Test func namesThatDoNotResolveAreSaidSo() async {
        #expect(await Self.refusal(Self.policy(), "http://nowhere.example/")?.reason == .unresolvable)
    }

    @Test func refusalsTellTheSubmitterNoAddress() async {
        do {
            try await Self.policy().check("http://rebind.example:6222/varz", checkAllowList: true)
            Issue.record("allowed")
        } catch {
            #expect(error.code == .invalidJob)
            #expect(!error.message.contains("127.0.0.1") && !error.message.contains("6222") && !error.message.contains("loopback"))
            #expect(error.detail?.contains("127.0.0.1") == true && error.detail?.contains("6222") == true)
        }
    }

    @Test func localhostResolvesLocallyAndIsRefused() async {
        // The system resolver reads /etc/hosts for localhost: no DNS query leaves the machine.
        let refusal = await Self.refusal(EgressPolicy(), "http://localhost:1/x")
        #expect(refusal?.reason == .refused(.loopback))
        #expect(await Self.refusal(EgressPolicy(allowed: [EgressRule("localhost")!]), "http://localhost:1/x") == nil)
    }
}
