// swift-tools-version: 6.2
import PackageDescription

// The fleet is Linux-only: libnats, seccomp and namespaces for its sandboxes, Glibc. A manifest
// claiming another platform would only move the failure into a long build.
#if !os(Linux)
#error("ocrfleet builds and runs on Linux only; on macOS, build in a Linux container or VM (README.md, Requirements)")
#endif

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "ocrfleet",
    products: [
        .executable(name: "ocr-worker", targets: ["ocr-worker"]),
        .executable(name: "ocr-gateway", targets: ["ocr-gateway"]),
        .executable(name: "ocrctl", targets: ["ocrctl"]),
        .executable(name: "vllm-double", targets: ["vllm-double"]),
        .executable(name: "ocr-office-sandbox", targets: ["ocr-office-sandbox"]),
        .executable(name: "ocr-document-child", targets: ["ocr-document-child"]),
        .library(name: "OCRFleetTesting", targets: ["OCRFleetTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(
            url: "https://github.com/apple/swift-configuration.git",
            exact: "1.4.0",
            traits: [.defaults, "CommandLineArguments"]
        ),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        .package(url: "https://github.com/vapor/multipart-kit.git", exact: "4.7.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", exact: "1.7.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", exact: "1.13.4"),
        .package(url: "https://github.com/apple/swift-http-types.git", exact: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", exact: "1.5.0"),
        // Without its Foundation trait: the children's pipes are read as bytes.
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", exact: "1.0.2", traits: []),
        .package(url: "https://github.com/apple/swift-system.git", exact: "1.8.1"),
        // Traces over OTLP/HTTP only: the gRPC exporter's dependencies are not built.
        .package(url: "https://github.com/swift-otel/swift-otel.git", exact: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/swift-otel/swift-w3c-trace-context.git", exact: "1.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", exact: "2.1.0"),
    ],
    targets: [
        // Native libraries. Unsafe code lives in the targets that import these.
        .systemLibrary(name: "CNats", pkgConfig: "libnats", providers: [.apt(["libnats-dev"])]),
        .systemLibrary(name: "CZip", pkgConfig: "libzip", providers: [.apt(["libzip-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(
            name: "CTesseract",
            pkgConfig: "tesseract",
            providers: [.apt(["libtesseract-dev", "libleptonica-dev"])]
        ),
        .target(
            name: "CPoppler",
            // poppler's core headers (Debian libpoppler-private-dev) have no pkg-config entry of their own;
            // fribidi (libfribidi-dev) puts right-to-left text layers in logical order.
            cxxSettings: [.unsafeFlags(["-std=c++17", "-I/usr/include/poppler", "-I/usr/include/fribidi"])],
            linkerSettings: [
                .linkedLibrary("poppler-cpp"), .linkedLibrary("poppler"), .linkedLibrary("fribidi"), .linkedLibrary("lept"),
            ]
        ),

        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("lept")]),
        .target(name: "CProcessGuard"),

        .target(name: "OCRFleetModel", swiftSettings: swiftSettings),
        // The gateway's HTTP API: types, server and client generated from openapi.yaml by
        // scripts/generate-api.sh (committed, not a build plugin: see docs/testing.md).
        .target(
            name: "OCRFleetAPI",
            dependencies: [
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            exclude: ["openapi.yaml", "openapi-generator-config.yaml"],
            // The generator writes every import `public`, most unused in a given file: hundreds of
            // warnings about code nobody edits would bury ours.
            swiftSettings: swiftSettings + [.unsafeFlags(["-suppress-warnings"])]
        ),
        .target(name: "OCRFleetMarkdown", swiftSettings: swiftSettings),
        // A job's recognised pages cut into chunks for retrieval (`options.chunk`); no I/O, no model.
        .target(name: "OCRFleetChunking", dependencies: ["OCRFleetMarkdown", "OCRFleetModel"], swiftSettings: swiftSettings),
        .target(name: "OCRFleetXML", dependencies: ["CLibXML2", "OCRFleetModel"], swiftSettings: swiftSettings),
        .target(
            name: "OCRFleetOffice",
            dependencies: [
                "CZip", "OCRFleetMarkdown", "OCRFleetModel", "OCRFleetXML",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OCRFleetConfiguration",
            dependencies: [
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OCRFleetBus",
            dependencies: [
                "CNats", "OCRFleetConfiguration", "OCRFleetMetrics", "OCRFleetModel",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Human review: the desk reviewers' claims and decisions go through, and the planner
        // of a job's review items (docs/review.md).
        .target(
            name: "OCRFleetReview",
            dependencies: ["OCRFleetBus", "OCRFleetMetrics", "OCRFleetModel", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OCRFleetContent",
            dependencies: [
                "OCRFleetModel", "OCRFleetXML",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OCRFleetDocuments",
            dependencies: ["CTesseract", "CPNG", "CPoppler", "OCRFleetMarkdown", "OCRFleetModel", "OCRFleetOffice"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OCRFleetEngines",
            dependencies: [
                "CTesseract", "OCRFleetDocuments", "OCRFleetMarkdown", "OCRFleetMetrics", "OCRFleetModel",
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // A document's native work (poppler, Leptonica, Tesseract) in a child process the worker can kill.
        .target(
            name: "OCRFleetIsolation",
            dependencies: [
                "CProcessGuard", "OCRFleetDocuments", "OCRFleetEngines", "OCRFleetModel",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        // What every model client shares: the OpenAI-compatible chat API's wire types, servers
        // with health checks and balancing, the adaptive in-flight limit.
        .target(
            name: "OCRFleetChatAPI",
            dependencies: [
                "OCRFleetMetrics", "OCRFleetModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OCRFleetDeepSeek",
            dependencies: [
                "OCRFleetChatAPI", "OCRFleetDocuments", "OCRFleetEngines", "OCRFleetModel",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OCRFleetLanguageModel",
            dependencies: ["OCRFleetChatAPI", "OCRFleetModel", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // The stages after recognition that read the text with the instruction model: classify,
        // split, extract with citations and confidences (docs/extraction.md).
        .target(
            name: "OCRFleetAnalysis",
            dependencies: [
                "OCRFleetChatAPI", "OCRFleetLanguageModel", "OCRFleetMarkdown", "OCRFleetModel",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OCRFleetWorker",
            dependencies: [
                "OCRFleetAnalysis", "OCRFleetBus", "OCRFleetChunking", "OCRFleetConfiguration", "OCRFleetContent", "OCRFleetDeepSeek",
                "OCRFleetDocuments", "OCRFleetEngines", "OCRFleetIsolation", "OCRFleetLanguageModel", "OCRFleetMarkdown", "OCRFleetMetrics",
                "OCRFleetModel", "OCRFleetReview",
                "OCRFleetOffice", "OCRFleetTracing",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OCRFleetMetrics",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OCRFleetTracing",
            dependencies: [
                "OCRFleetConfiguration",
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "W3CTraceContext", package: "swift-w3c-trace-context"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OCRFleetClient",
            dependencies: [
                "OCRFleetAPI", "OCRFleetModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OCRFleetBackfill",
            dependencies: [
                "OCRFleetAPI", "OCRFleetClient", "OCRFleetContent", "OCRFleetModel",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OCRFleetGateway",
            dependencies: [
                "OCRFleetAPI", "OCRFleetBus", "OCRFleetConfiguration", "OCRFleetContent", "OCRFleetMetrics",
                "OCRFleetModel", "OCRFleetReview", "OCRFleetTracing",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VLLMDouble",
            dependencies: [
                "OCRFleetChatAPI", "OCRFleetDeepSeek", "OCRFleetDocuments", "OCRFleetEngines", "OCRFleetLanguageModel",
                "OCRFleetModel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OCRFleetTesting",
            dependencies: [
                "CTesseract", "OCRFleetAPI", "OCRFleetBus", "OCRFleetChatAPI", "OCRFleetClient", "OCRFleetContent",
                "OCRFleetEngines", "OCRFleetGateway", "OCRFleetModel",
                "OCRFleetWorker", "VLLMDouble",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "ocr-worker",
            dependencies: [
                "CProcessGuard", "OCRFleetBus", "OCRFleetConfiguration", "OCRFleetEngines", "OCRFleetTracing",
                "OCRFleetWorker",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ocr-gateway",
            dependencies: [
                "OCRFleetBus", "OCRFleetConfiguration", "OCRFleetGateway", "OCRFleetTracing",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // LibreOffice's network sandbox, in C: a seccomp filter installed before exec.
        .executableTarget(name: "ocr-office-sandbox", dependencies: ["CProcessGuard"]),
        // The worker's child for one document's native work, confined and killable.
        .executableTarget(name: "ocr-document-child", dependencies: ["OCRFleetIsolation"], swiftSettings: swiftSettings),
        // The egress policy's cost per request: `scripts/bench-egress.sh` (release build).
        .executableTarget(
            name: "egress-bench",
            dependencies: [
                "OCRFleetContent",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "bench/egress",
            swiftSettings: swiftSettings
        ),
        // libFuzzer target: `scripts/fuzz.sh` builds it with -sanitize=fuzzer,address.
        .executableTarget(
            name: "ocrfleet-fuzz",
            dependencies: ["OCRFleetDocuments", "OCRFleetModel", "OCRFleetOffice"],
            swiftSettings: swiftSettings + [.unsafeFlags(["-parse-as-library"])]
        ),
        .executableTarget(
            name: "vllm-double",
            dependencies: [
                "VLLMDouble",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ocrctl",
            dependencies: [
                "OCRFleetAPI", "OCRFleetBackfill", "OCRFleetBus", "OCRFleetClient", "OCRFleetContent", "OCRFleetModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        .testTarget(
            name: "OCRFleetModelTests",
            dependencies: ["OCRFleetModel"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OCRFleetChunkingTests",
            dependencies: ["OCRFleetChunking", "OCRFleetMarkdown", "OCRFleetModel"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OCRFleetConfigurationTests",
            dependencies: [
                "OCRFleetBus", "OCRFleetConfiguration", "OCRFleetContent", "OCRFleetGateway", "OCRFleetDeepSeek",
                "OCRFleetDocuments", "OCRFleetLanguageModel", "OCRFleetModel", "OCRFleetTesting", "OCRFleetWorker",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OCRFleetDocumentsTests",
            dependencies: [
                "CTesseract", "OCRFleetDocuments", "OCRFleetEngines", "OCRFleetIsolation", "OCRFleetMarkdown", "OCRFleetModel",
                "OCRFleetTesting",
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OCRFleetOfficeTests",
            dependencies: ["OCRFleetModel", "OCRFleetOffice", "OCRFleetTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OCRFleetGatewayTests",
            dependencies: [
                "OCRFleetAPI", "OCRFleetBus", "OCRFleetGateway", "OCRFleetModel", "OCRFleetTesting",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OCRFleetClientTests",
            dependencies: [
                "OCRFleetAPI", "OCRFleetClient", "OCRFleetModel",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OCRFleetBusTests",
            dependencies: ["OCRFleetBus", "OCRFleetModel", "OCRFleetTesting", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OCRFleetReviewTests",
            dependencies: [
                "OCRFleetBus", "OCRFleetModel", "OCRFleetReview", "OCRFleetTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OCRFleetContentTests",
            dependencies: ["OCRFleetContent", "OCRFleetModel", "OCRFleetTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OCRFleetDeepSeekTests",
            dependencies: [
                "OCRFleetChatAPI", "OCRFleetDeepSeek", "OCRFleetDocuments", "OCRFleetEngines", "OCRFleetModel", "OCRFleetTesting", "VLLMDouble",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OCRFleetLanguageModelTests",
            dependencies: ["OCRFleetChatAPI", "OCRFleetLanguageModel", "OCRFleetModel", "OCRFleetTesting", "VLLMDouble"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OCRFleetAnalysisTests",
            dependencies: [
                "OCRFleetAnalysis", "OCRFleetChatAPI", "OCRFleetDocuments", "OCRFleetLanguageModel", "OCRFleetMarkdown", "OCRFleetModel",
                "OCRFleetTesting", "VLLMDouble",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OCRFleetEndToEndTests",
            dependencies: [
                "CTesseract", "OCRFleetAPI", "OCRFleetBus", "OCRFleetChatAPI", "OCRFleetClient", "OCRFleetContent", "OCRFleetDocuments",
                "OCRFleetGateway", "OCRFleetModel", "OCRFleetReview", "OCRFleetTesting",
                "OCRFleetTracing", "VLLMDouble",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
