import Foundation
import Logging
import OCRFleetBus
import OCRFleetConfiguration
import OCRFleetContent
import OCRFleetDeepSeek
import OCRFleetDocuments
import OCRFleetGateway
import OCRFleetLanguageModel
import OCRFleetModel
import OCRFleetWorker
import Synchronization
import Testing

@Suite struct ConfigurationTests {
    @Test func defaultsMatchTheContract() throws {
        let worker = try WorkerConfiguration(arguments: ["ocr-worker"], environment: [:])
        #expect(worker.nats.urls == ["nats://127.0.0.1:4222"])
        #expect(worker.engine == .auto)
        #expect(worker.deepseek == nil)
        #expect(worker.maxJobs == 4 && worker.maxInflightPages == 32 && worker.maxDeliver == 5)
        #expect(worker.normalizeNFKC)
        #expect(try !WorkerConfiguration(arguments: ["ocr-worker"], environment: ["OCR_NORMALIZE_NFKC": "false"]).normalizeNFKC)
        let gateway = try GatewayConfiguration(arguments: ["ocr-gateway"], environment: [:])
        #expect(gateway.port == 8080)
        #expect(gateway.publicURL == "http://127.0.0.1:8080")
        #expect(gateway.apiTokens.isEmpty)
    }

    @Test func flagsOverrideEnvironmentVariables() throws {
        let environment = ["OCR_MAX_JOBS": "7", "OCR_NATS_URL": "nats://a:1,nats://b:2", "OCR_ENGINE": "tesseract"]
        let fromEnvironment = try WorkerConfiguration(arguments: ["ocr-worker"], environment: environment)
        #expect(fromEnvironment.maxJobs == 7)
        #expect(fromEnvironment.nats.urls == ["nats://a:1", "nats://b:2"])
        #expect(fromEnvironment.engine == .tesseract)
        let overridden = try WorkerConfiguration(
            arguments: ["ocr-worker", "--max-jobs", "2", "--nats-url=nats://c:3"],
            environment: environment
        )
        #expect(overridden.maxJobs == 2)
        #expect(overridden.nats.urls == ["nats://c:3"])
    }

    @Test func vLLMSettingsBuildTheDeepSeekEngine() throws {
        let worker = try WorkerConfiguration(
            arguments: ["ocr-worker"],
            environment: [
                "OCR_VLLM_URL": "http://a:8000/v1, http://b:8000/v1", "OCR_VLLM_WHITELIST_TOKEN_IDS": "none",
                "OCR_VLLM_NGRAM_SIZE": "0", "OCR_VLLM_IMAGE_FORMAT": "jpeg", "OCR_MAX_INFLIGHT_PAGES": "64",
            ]
        )
        let deepseek = try #require(worker.deepseek)
        #expect(deepseek.endpoints == ["http://a:8000/v1", "http://b:8000/v1"])
        #expect(deepseek.model == "deepseek-ai/DeepSeek-OCR" && deepseek.maxTokens == 4096 && deepseek.maxInflight == 64)
        #expect(deepseek.whitelistTokenIDs.isEmpty && deepseek.ngramSize == nil && deepseek.windowSize == 90)
        #expect(deepseek.encoding == .jpeg(quality: 90) && !deepseek.color)
        #expect(throws: SettingsError.self) {
            _ = try WorkerConfiguration(arguments: ["ocr-worker"], environment: ["OCR_ENGINE": "deepseek"])
        }
        #expect(throws: SettingsError.self) {
            _ = try WorkerConfiguration(arguments: ["ocr-worker"], environment: ["OCR_VLLM_URL": "vllm:8000"])
        }
    }

    @Test func languageModelSettingsBuildTheModelClient() throws {
        #expect(try WorkerConfiguration(arguments: ["ocr-worker"], environment: [:]).languageModel == nil)
        let worker = try WorkerConfiguration(
            arguments: ["ocr-worker"],
            environment: [
                "OCR_LLM_URL": "http://llm:8000/v1", "OCR_LLM_API_KEY": "k", "OCR_LLM_MAX_INFLIGHT": "4",
                "OCR_LLM_TIMEOUT_S": "30", "OCR_LLM_CONTEXT_TOKENS": "8192", "OCR_LLM_MAX_TOKENS": "1024",
            ]
        )
        let model = try #require(worker.languageModel)
        #expect(model.endpoints == ["http://llm:8000/v1"] && model.model == "Qwen/Qwen2.5-7B-Instruct" && model.apiKey == "k")
        #expect(model.maxInflight == 4 && model.requestTimeout == .seconds(30) && model.maxTokens == 1024)
        #expect(worker.languageModelContext == 8192)
        // A context that leaves no room for text once two answers' budgets are kept out is refused at start.
        #expect(throws: SettingsError.self) {
            _ = try WorkerConfiguration(
                arguments: ["ocr-worker"],
                environment: ["OCR_LLM_URL": "http://llm:8000/v1", "OCR_LLM_CONTEXT_TOKENS": "4096"]
            )
        }
        #expect(throws: SettingsError.self) {
            _ = try WorkerConfiguration(arguments: ["ocr-worker"], environment: ["OCR_LLM_URL": "llm:8000"])
        }
    }

    @Test func theEgressAllowListIsReadByTheWorkerAndTheGateway() throws {
        let environment = [
            "OCR_EGRESS_ALLOW": "minio:9000, *.svc.cluster.local, 10.0.0.0/8, [::1]:8080", "OCR_WEBHOOK_SECRET": "s",
            "OCR_SOURCE_ALLOW_HOSTS": "docs.example.com",
        ]
        let worker = try WorkerConfiguration(arguments: ["ocr-worker"], environment: environment)
        #expect(worker.egress.allowed.map(\.description) == ["minio:9000", "*.svc.cluster.local", "10.0.0.0/8", "[::1]:8080"])
        #expect(worker.egress.hosts == ["docs.example.com"])
        let gateway = try GatewayConfiguration(arguments: ["ocr-gateway"], environment: environment)
        #expect(gateway.webhooks?.egress.count == 4)
        #expect(try WorkerConfiguration(arguments: ["ocr-worker"], environment: [:]).egress.allowed.isEmpty)
        do {
            _ = try WorkerConfiguration(arguments: ["ocr-worker"], environment: ["OCR_EGRESS_ALLOW": "10.0.0.0/33"])
            Issue.record("a bad entry was accepted")
        } catch {
            #expect(error.description.contains("OCR_EGRESS_ALLOW") && error.description.contains("10.0.0.0/33"))
        }
    }

    @Test func helpListsEveryFlagWithItsVariableAndDefault() {
        #expect {
            _ = try WorkerConfiguration(arguments: ["ocr-worker", "--help"], environment: [:])
        } throws: { error in
            guard case SettingsError.helpRequested(let usage) = error else { return false }
            return WorkerConfiguration.Settings.all.allSatisfy {
                usage.contains($0.flag) && usage.contains($0.environmentName) && usage.contains($0.defaultDescription)
            } && usage.contains("OCR_MAX_INFLIGHT_PAGES")
        }
    }

    @Test func unknownFlagsAndBadValuesAreErrors() {
        #expect {
            _ = try WorkerConfiguration(arguments: ["ocr-worker", "--max-job", "2"], environment: [:])
        } throws: { error in
            guard case SettingsError.unknownFlag(let flag, _) = error else { return false }
            return flag == "--max-job"
        }
        #expect {
            _ = try WorkerConfiguration(arguments: ["ocr-worker"], environment: ["OCR_MAX_JOBS": "many"])
        } throws: { error in
            "\(error)".contains("OCR_MAX_JOBS") && "\(error)".contains("'many'")
        }
        #expect {
            _ = try WorkerConfiguration(arguments: ["ocr-worker", "--engine", "gpu"], environment: [:])
        } throws: { error in "\(error)".contains("one of auto, deepseek, tesseract") }
    }

    @Test func gatewayRefusesToListenWidelyWithoutTokens() throws {
        #expect(throws: SettingsError.self) {
            _ = try GatewayConfiguration(arguments: ["ocr-gateway", "--http-host", "0.0.0.0"], environment: [:])
        }
        let open = try GatewayConfiguration(
            arguments: ["ocr-gateway", "--http-host", "0.0.0.0"],
            environment: ["OCR_API_TOKENS": "s3cret:acme,other"]
        )
        #expect(open.apiTokens == ["s3cret": "acme", "other": "default"])
    }

    @Test func tracingIsOffWithoutAnEndpointAndItsRatioIsAShare() throws {
        #expect(try WorkerConfiguration(arguments: ["ocr-worker"], environment: [:]).tracing == nil)
        let gateway = try GatewayConfiguration(
            arguments: ["ocr-gateway", "--trace-sample-ratio", "0.25"],
            environment: ["OCR_OTLP_ENDPOINT": "http://collector:4318/"]
        )
        #expect(gateway.tracing == TraceExport(endpoint: "http://collector:4318", sampleRatio: 0.25))
        #expect(gateway.tracing?.tracesURL == "http://collector:4318/v1/traces")
        #expect(TraceExport(endpoint: "http://collector:4318/otlp/traces").tracesURL == "http://collector:4318/otlp/traces")
        #expect {
            _ = try WorkerConfiguration(
                arguments: ["ocr-worker"],
                environment: ["OCR_OTLP_ENDPOINT": "http://collector:4318", "OCR_TRACE_SAMPLE_RATIO": "2"]
            )
        } throws: { error in "\(error)".contains("OCR_TRACE_SAMPLE_RATIO") && "\(error)".contains("from 0 to 1") }
    }

    @Test func reviewLeaseIsSecondsFromOneToADay() throws {
        #expect(try GatewayConfiguration(arguments: ["ocr-gateway"], environment: [:]).reviewLease == .seconds(600))
        #expect(
            try GatewayConfiguration(arguments: ["ocr-gateway"], environment: ["OCR_REVIEW_LEASE_S": "30"]).reviewLease == .seconds(30)
        )
        #expect {
            _ = try GatewayConfiguration(arguments: ["ocr-gateway", "--review-lease-s", "0"], environment: [:])
        } throws: { error in "\(error)".contains("OCR_REVIEW_LEASE_S") || "\(error)".contains("review-lease-s") }
    }

    @Test func cacheTenantsAreTenantNamesOrEveryone() throws {
        func tenants(_ value: String?) throws -> CacheTenants {
            try WorkerConfiguration(arguments: ["ocr-worker"], environment: value.map { ["OCR_CACHE_TENANTS": $0] } ?? [:]).cacheTenants
        }
        #expect(try tenants(nil) == CacheTenants())
        #expect(try tenants("none") == CacheTenants())
        #expect(try tenants("alpha, beta_2") == CacheTenants(tenants: ["alpha", "beta_2"]))
        #expect(try tenants("*") == CacheTenants(everyone: true))
        for bad in ["a.b", "al pha", "a>", "*.x"] {
            #expect(throws: SettingsError.self, "\(bad)") { _ = try tenants(bad) }
        }
    }

    /// A tenant's name is part of its job ids, so one that could spell another's is refused.
    @Test(arguments: ["tok:alpha=beta", "tok:a.b", "tok:", ":alpha", "tok:\(String(repeating: "t", count: 41))"])
    func gatewayRefusesTenantNamesThatAreNotNames(_ tokens: String) {
        #expect {
            _ = try GatewayConfiguration(arguments: ["ocr-gateway"], environment: ["OCR_API_TOKENS": tokens])
        } throws: { error in "\(error)".contains("token:tenant") }
    }
}

@Suite struct ConfigurationDocumentTests {
    static let document: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return (try? String(contentsOf: url.appendingPathComponent("docs/configuration.md"), encoding: .utf8)) ?? ""
    }()

    @Test(arguments: WorkerConfiguration.Settings.all + GatewayConfiguration.Settings.all)
    func everySettingIsDocumented(setting: Setting) {
        #expect(Self.document.contains("`\(setting.environmentName)`"), "\(setting.environmentName) missing")
        #expect(Self.document.contains("`\(setting.flag)`"), "\(setting.flag) missing")
    }
}

@Suite struct JSONLogHandlerTests {
    final class Lines: Sendable {
        let all = Mutex<[String]>([])
    }

    @Test func eachEventIsOneJSONObjectWithItsMetadataAsFields() throws {
        let lines = Lines()
        var logger = Logger(label: "ocr-worker") { label in
            JSONLogHandler(label: label) { line in lines.all.withLock { $0.append(line) } }
        }
        logger[metadataKey: "job_id"] = "j-1"
        logger[metadataKey: "attempt"] = "2"
        logger.info("page \"3\"\nrecognised", metadata: ["pages": "3"])
        logger.debug("below the level")
        let written = lines.all.withLock { $0 }
        #expect(written.count == 1 && written[0].hasSuffix("\n") && written[0].filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: String])
        #expect(object["message"] == "page \"3\"\nrecognised")
        #expect(object["job_id"] == "j-1" && object["attempt"] == "2" && object["pages"] == "3")
        #expect(object["level"] == "info" && object["logger"] == "ocr-worker")
        #expect(object["time"]?.hasSuffix("Z") == true)
    }
}
