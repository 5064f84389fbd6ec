import Testing

@testable import OCRFleetEngines

@Suite struct ProcessorBudgetTests {
    @Test func countsTheCPUsTheAffinityMaskAllows() {
        #expect(ProcessorBudget.allowedCPUs(status: "Name:\tocr-worker\nCpus_allowed_list:\t0-3,8,10-11\n") == 7)
        #expect(ProcessorBudget.allowedCPUs(status: "Cpus_allowed_list:\t1\n") == 1)
        #expect(ProcessorBudget.allowedCPUs(status: "Name:\tocr-worker\n") == nil)
    }

    @Test func roundsACgroupQuotaUpToWholeCores() {
        #expect(ProcessorBudget.quotaCores(cgroupV2: "200000 100000\n") == 2)
        #expect(ProcessorBudget.quotaCores(cgroupV2: "150000 100000\n") == 2)
        #expect(ProcessorBudget.quotaCores(cgroupV2: "max 100000\n") == nil)
        #expect(ProcessorBudget.quotaCores(cgroupV1Quota: "50000\n", period: "100000\n") == 1)
        #expect(ProcessorBudget.quotaCores(cgroupV1Quota: "-1\n", period: "100000\n") == nil)
    }
}
