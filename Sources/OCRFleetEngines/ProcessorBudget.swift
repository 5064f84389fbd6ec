import Foundation

/// The cores this process may use: the CPUs its affinity mask allows (`taskset`, cpusets),
/// capped by a cgroup CPU quota (a Kubernetes CPU limit). Foundation's
/// `activeProcessorCount` counts the machine's online CPUs, so a worker limited to 2 CPUs on
/// a 64-core node would otherwise start 64 Tesseract handles and time-slice them.
public enum ProcessorBudget {
    /// At least 1; the online CPU count when nothing narrower can be read.
    public static var cores: Int {
        let online = ProcessInfo.processInfo.activeProcessorCount
        let allowed = read("/proc/self/status").flatMap(allowedCPUs(status:)) ?? online
        let quota =
            read("/sys/fs/cgroup/cpu.max").flatMap(quotaCores(cgroupV2:))
            ?? quotaCores(
                cgroupV1Quota: read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"),
                period: read("/sys/fs/cgroup/cpu/cpu.cfs_period_us")
            )
        return max(1, min(online, allowed, quota ?? .max))
    }

    /// The CPUs in `Cpus_allowed_list` of `/proc/<pid>/status` ("0-3,8,10-11").
    static func allowedCPUs(status: String) -> Int? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else {
            return nil
        }
        var count = 0
        for range in line.dropFirst("Cpus_allowed_list:".count).split(separator: ",") {
            let bounds = range.split(separator: "-").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            switch bounds.count {
            case 1: count += 1
            case 2 where bounds[1] >= bounds[0]: count += bounds[1] - bounds[0] + 1
            default: return nil
            }
        }
        return count > 0 ? count : nil
    }

    /// Cores a cgroup v2 `cpu.max` ("200000 100000", or "max 100000" for none) allows, rounded up.
    static func quotaCores(cgroupV2 text: String) -> Int? {
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let quota = Int(fields[0]), let period = Int(fields[1]) else { return nil }
        return cores(quota: quota, period: period)
    }

    /// Cores a cgroup v1 quota and period (microseconds; a quota of -1 is none) allow, rounded up.
    static func quotaCores(cgroupV1Quota quota: String?, period: String?) -> Int? {
        guard let quota = quota.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }),
            let period = period.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        else { return nil }
        return cores(quota: quota, period: period)
    }

    private static func cores(quota: Int, period: Int) -> Int? {
        guard quota > 0, period > 0 else { return nil }
        return (quota + period - 1) / period
    }

    private static func read(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }
}
