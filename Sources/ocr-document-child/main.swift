import Foundation
import OCRFleetIsolation

exit(DocumentChildServer.run(arguments: CommandLine.arguments))
