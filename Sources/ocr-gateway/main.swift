import Foundation
import Logging
import OCRFleetBus
import OCRFleetConfiguration
import OCRFleetGateway
import OCRFleetTracing
import ServiceLifecycle
import UnixSignals

let configuration = ProcessSetup.configuration { () throws(SettingsError) in try GatewayConfiguration() }
ProcessSetup.bootstrapLogging(
    level: configuration.logLevel,
    format: configuration.logFormat,
    metadataProvider: configuration.tracing.map { _ in FleetTracing.loggingMetadataProvider }
)
let logger = Logger(label: "ocr-gateway")

do {
    let nats = try await NATSConnection.connect(configuration.nats, logger: logger)
    let gateway = try Gateway(configuration: configuration, nats: nats, logger: logger)
    let app = gateway.makeApplication { port in logger.info("gateway listening", metadata: ["port": "\(port)"]) }
    var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: app)] + gateway.backgroundServices
    if let tracing = configuration.tracing {
        let exporter = try FleetTracing.bootstrap(
            tracing,
            serviceName: "ocr-gateway",
            logLevel: configuration.logLevel,
            logger: logger
        )
        // Last to stop, so the spans of requests that finish while it stops are sent.
        services.insert(.init(service: exporter), at: 0)
    }
    let group = ServiceGroup(
        configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
    )
    try await group.run()
    try await nats.drain()
} catch {
    logger.critical("gateway failed", metadata: ["error": "\(error)"])
    exit(1)
}
