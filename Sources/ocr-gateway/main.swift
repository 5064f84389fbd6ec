import Foundation
import Logging
import OCRFleetBus
import OCRFleetConfiguration
import OCRFleetGateway
import ServiceLifecycle
import UnixSignals

let configuration = ProcessSetup.configuration { () throws(SettingsError) in try GatewayConfiguration() }
ProcessSetup.bootstrapLogging(level: configuration.logLevel, format: configuration.logFormat)
let logger = Logger(label: "ocr-gateway")

do {
    let nats = try await NATSConnection.connect(configuration.nats, logger: logger)
    let gateway = try Gateway(configuration: configuration, nats: nats, logger: logger)
    let app = gateway.makeApplication { port in logger.info("gateway listening", metadata: ["port": "\(port)"]) }
    let services = ServiceGroup(
        configuration: .init(
            services: [.init(service: app)] + gateway.backgroundServices,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
    )
    try await services.run()
    try await nats.drain()
} catch {
    logger.critical("gateway failed", metadata: ["error": "\(error)"])
    exit(1)
}
