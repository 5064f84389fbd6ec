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
        _ content: OfficeContent,
        indexes: [Int],
        engine: Engine,
        request: RecognitionRequest,
        policy: PageErrorPolicy,
        logger: Logger,
        progress: @escaping @Sendable (Int) async -> Void
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
                        let text = try await picture(image, engine: engine, request: request)
                        if !text.isEmpty { blocks.append(text) }
                    } catch  where error.code == .unsupportedFormat {
                        blocks.append("<!-- picture \(image.name) not read: \(error.message) -->")
                    } catch  where policy == .mark && error.code.isRetryable && error.code != .engineUnavailable {
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

    /// One embedded picture through the engine, decoded from the bytes the archive gave.
    private func picture<Engine: OCREngine>(
        _ image: OfficeContent.EmbeddedImage,
        engine: Engine,
        request: RecognitionRequest
    ) async throws(OCRError) -> String {
        guard let format = DocumentFormat.detect(image.bytes), format.isImage else {
            throw OCRError(.unsupportedFormat, "not an image format the engines read")
        }
        let maxPixels = limits.maxPagePixels
        let straightener = engine.straightensItself ? nil : self.straightener
        let prepared: Result<Engine.PreparedPage, OCRError>
        do {
            prepared = try await renderThreads.runIfActive {
                Result { () throws(OCRError) -> Engine.PreparedPage in
                    if let size = EncodedPage.dimensions(of: image.bytes), size.width * size.height > maxPixels {
                        throw OCRError(
                            .sourceTooLarge,
                            "the image is \(size.width)×\(size.height) pixels, over the \(maxPixels)-pixel limit"
                        )
                    }
                    guard let page = PageImage(decoding: image.bytes, maxPixels: maxPixels) else {
                        throw OCRError(.corruptDocument, "the \(format.rawValue.uppercased()) picture \(image.name) cannot be decoded")
                    }
                    return try engine.prepare(straightener?.straighten(page).0 ?? page, request: request)
                }
            }
        } catch {
            throw OCRError(.cancelled, "the worker is stopping")
        }
        return try await Self.recognize(prepared.get(), engine: engine, request: request).get().markdown
    }
}
