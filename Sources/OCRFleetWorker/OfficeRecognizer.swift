import Foundation
import Logging
import NIOPosix
import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetModel
import OCRFleetOffice

extension PageRecognizer {
    /// The pages of an office document read from its XML: their markdown as it is, and each
    /// embedded picture read by the engine and put where it stands. A picture the engine
    /// fails on is marked (and its page listed as failed) or fails the job, by `policy`.
    func run<Engine: OCREngine>(
        _ content: OfficeContent, indexes: [Int], engine: Engine, request: RecognitionRequest,
        policy: PageErrorPolicy, directory: String, logger: Logger, progress: @escaping @Sendable (Int) async -> Void
    ) async throws(OCRError) -> Outcome {
        var pages: [RecognizedPage] = []
        var failed: [Int] = []
        for (done, index) in indexes.enumerated() {
            if Task.isCancelled { throw OCRError(.cancelled, "the job was stopped") }
            var blocks: [String] = []
            for block in content.pages[index] {
                switch block {
                case .markdown(let markdown):
                    blocks.append(markdown)
                case .image(let image):
                    do {
                        let text = try await picture(image, engine: engine, request: request, directory: directory)
                        if !text.isEmpty { blocks.append(text) }
                    } catch where error.code == .unsupportedFormat {
                        blocks.append("<!-- picture \(image.name) not read: \(error.message) -->")
                    } catch where policy == .mark && error.code.isRetryable && error.code != .engineUnavailable {
                        logger.warning("picture failed; marked", metadata: ["picture": "\(image.name)", "error": "\(error)"])
                        blocks.append("<!-- picture \(image.name) could not be recognised: \(error.code.rawValue) -->")
                        if failed.last != index + 1 { failed.append(index + 1) }
                    }
                }
            }
            pages.append(RecognizedPage(markdown: blocks.joined(separator: "\n\n")))
            await progress(done + 1)
        }
        return Outcome(pages: pages, failedPages: failed, incompletePages: [], textPages: indexes.count)
    }

    /// One embedded picture through the engine, as a one-page image document.
    private func picture<Engine: OCREngine>(
        _ image: OfficeContent.EmbeddedImage, engine: Engine, request: RecognitionRequest, directory: String
    ) async throws(OCRError) -> String {
        guard let format = DocumentFormat.detect(image.bytes), format.isImage else {
            throw OCRError(.unsupportedFormat, "not an image format the engines read")
        }
        let path = "\(directory)/picture-\(UUID().uuidString.prefix(8)).\(format.rawValue)"
        guard FileManager.default.createFile(atPath: path, contents: Data(image.bytes)) else {
            throw OCRError(.internal, "cannot write the picture for the engine")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let target = engine.renderTarget(for: request)
        let gray = engine.rendersGray
        let limits = self.limits
        let straightener = self.straightener
        let prepared: Result<Engine.PreparedPage, OCRError>
        do {
            prepared = try await renderThreads.runIfActive {
                Result { () throws(OCRError) -> Engine.PreparedPage in
                    let document = try PagedDocument.open(path: path, format: format, password: nil, limits: limits)
                    let page = try document.render(page: 0, target: target, gray: gray, limits: limits)
                    return try engine.prepare(straightener?.straighten(page).0 ?? page, request: request)
                }
            }
        } catch {
            throw OCRError(.cancelled, "the worker is stopping")
        }
        return try await Self.recognize(prepared.get(), engine: engine, request: request).get().markdown
    }
}
