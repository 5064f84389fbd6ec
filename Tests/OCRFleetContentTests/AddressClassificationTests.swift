import OCRFleetContent
import Testing

/// How hosts are read as addresses and what each address is.
@Suite struct AddressClassificationTests {
    @Test(arguments: [
        ("127.0.0.1", "127.0.0.1"), ("2130706433", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"), ("0x7f.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"), ("0x7F000001", "127.0.0.1"), ("017700000001", "127.0.0.1"), ("0x7f.0.0.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"), ("0", "0.0.0.0"), ("10.1", "10.0.0.1"), ("192.168.257", "192.168.1.1"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"), ("0251.0376.0251.0376", "169.254.169.254"),
        ("2852039166", "169.254.169.254"), ("0x0A.0", "10.0.0.0"), ("0x", "0.0.0.0"),
        ("[::ffff:7f00:1]", "::ffff:127.0.0.1"), ("::1", "::1"), ("[fd00:ec2::254]", "fd00:ec2::254"),
    ])
    func ipv4SpellingsAreReadAsBrowsersReadThem(host: String, address: String) {
        #expect(IPAddress.parse(urlHost: host) == .address(IPAddress(address)!))
    }

    @Test(arguments: ["1.2.3.4.5", "256.0.0.1", "08.0.0.1", "0x100000000", "4294967296", "example.123", "[::1%eth0]", "[1.2.3.4]"])
    func hostsEndingInANumberThatAreNoAddressAreInvalid(host: String) {
        #expect(IPAddress.parse(urlHost: host) == .invalid)
    }

    @Test(arguments: ["example.com", "localhost", "1.2.3.example", "0xzz.example", "store-1.svc.cluster.local"])
    func namesAreNames(host: String) {
        #expect(IPAddress.parse(urlHost: host) == .notAnAddress)
    }

    @Test(arguments: [
        // IPv4
        ("8.8.8.8", AddressKind.publicUnicast), ("93.184.215.14", .publicUnicast), ("1.1.1.1", .publicUnicast),
        ("127.0.0.1", .loopback), ("127.255.255.254", .loopback), ("10.0.0.1", .private), ("172.16.0.1", .private),
        ("172.31.255.255", .private), ("172.32.0.1", .publicUnicast), ("192.168.1.1", .private),
        ("100.64.0.1", .sharedAddressSpace), ("100.127.255.255", .sharedAddressSpace), ("100.128.0.1", .publicUnicast),
        ("169.254.1.1", .linkLocal), ("169.254.169.254", .metadata), ("169.254.170.2", .linkLocal),
        ("100.100.100.200", .metadata), ("168.63.129.16", .metadata), ("192.0.0.192", .metadata),
        ("224.0.0.1", .multicast), ("239.255.255.250", .multicast), ("0.0.0.0", .unspecified), ("0.1.2.3", .unspecified),
        ("255.255.255.255", .broadcast), ("240.0.0.1", .reserved), ("198.18.0.1", .reserved), ("198.19.255.255", .reserved),
        ("192.0.2.1", .reserved), ("198.51.100.7", .reserved), ("203.0.113.9", .reserved), ("192.0.0.8", .reserved),
        ("192.88.99.1", .reserved),
        // IPv6
        ("2606:4700:4700::1111", .publicUnicast), ("2001:4860:4860::8888", .publicUnicast), ("::1", .loopback),
        ("::", .unspecified), ("fe80::1", .linkLocal), ("febf::1", .linkLocal), ("fec0::1", .private),
        ("fc00::1", .uniqueLocal), ("fd12:3456::1", .uniqueLocal), ("fd00:ec2::254", .metadata), ("ff02::1", .multicast),
        ("2001:db8::1", .reserved), ("3fff::1", .reserved), ("2001:2::1", .reserved), ("100::1", .reserved),
        ("4000::1", .reserved), ("64:ff9b:1::a00:1", .reserved),
        // IPv6 carrying IPv4: judged by the IPv4 address.
        ("::ffff:127.0.0.1", .loopback), ("::ffff:10.0.0.1", .private), ("::ffff:169.254.169.254", .metadata),
        ("::ffff:8.8.8.8", .publicUnicast), ("::ffff:0:127.0.0.1", .loopback), ("::127.0.0.1", .loopback),
        ("::10.1.2.3", .private), ("64:ff9b::127.0.0.1", .loopback), ("64:ff9b::a9fe:a9fe", .metadata),
        ("64:ff9b::8.8.8.8", .publicUnicast), ("2002:7f00:1::", .loopback), ("2002:c0a8:101::1", .private),
        ("2002:0808:0808::1", .publicUnicast), ("2001:0:4136:e378:8000:63bf:80ff:fffe", .loopback),
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", .private),
    ])
    func everyAddressHasItsKind(address: String, kind: AddressKind) {
        #expect(AddressKind(IPAddress(address)!) == kind, "\(address)")
    }

    @Test(arguments: [
        ("store.internal", "store.internal"), ("*.svc.cluster.local", "*.svc.cluster.local"), ("minio:9000", "minio:9000"),
        ("10.0.0.0/8", "10.0.0.0/8"), ("127.0.0.1", "127.0.0.1"), ("127.0.0.1:8080", "127.0.0.1:8080"), ("::1", "::1"),
        ("[::1]", "::1"), ("[::1]:8080", "[::1]:8080"), ("fd00::/8", "fd00::/8"), (" Store.Internal. ", "store.internal"),
    ])
    func allowListEntriesAreRead(entry: String, reading: String) {
        #expect(EgressRule(entry)?.description == reading)
    }

    @Test(arguments: ["", "*", "http://x", "10.0.0.0/33", "::/129", "host:0", "host:70000", "a b", "[::1", "127.1", "1.2.3.4/x", "x:y:z"])
    func badAllowListEntriesAreRefused(entry: String) {
        #expect(EgressRule(entry) == nil)
    }
}
