import NIOPosix
import OCRFleetContent
import OCRFleetDocuments
import OCRFleetModel
import OCRFleetOffice

/// Identifies the source by its first bytes, has LibreOffice convert what needs it, opens the
/// document and picks the pages the job asks for. Timed as `convert`, the name events,
/// metrics and dashboards have always given it.
struct OpenStage: JobStage {
    let configuration: WorkerConfiguration
    let converter: LibreOfficeConverter
    let documents: DocumentOpener

    var name: String { "convert" }

    func run(_ work: inout JobWork) async throws {
        let source = try work.needs(\.source, from: "download")
        let format = try DocumentFormat.detect(fileAt: source.path, zipLimits: configuration.limits.zip)
        let document = try await open(source.path, format: format, work: work)
        work.format = format
        work.document = document
        work.indexes =
            try work.job.options.pages?.indexes(pageCount: document.pageCount) ?? Array(0..<document.pageCount)
    }

    private func open(_ path: String, format: DocumentFormat, work: JobWork) async throws(OCRError) -> OpenedDocument {
        let mode = work.job.options.mode
        let timeLimit = configuration.timeLimit(of: work.job)
        var path = path
        var format = format
        if [.xls, .ods].contains(format), mode != .ocr {
            // Read as the XLSX LibreOffice makes of it: a PDF of a sheet cuts what overflows its cells.
            let conversion = try await converter.convert(path, format: format.office ?? .xlsx, to: .xlsx, in: work.directory)
            work.said.converted(conversion.messages)
            (path, format) = (conversion.output, .xlsx)
        }
        if [.docx, .pptx, .xlsx].contains(format), mode != .ocr {
            // Unzipping and parsing the XML is CPU work: on the document threads, off Swift's pool.
            let (officePath, officeFormat) = (path, format)
            let read: Result<OfficeContent, OCRError>
            do {
                read = try await documents.threads.runIfActive {
                    Result { () throws(OCRError) in try officeContent(officePath, format: officeFormat, mode: mode) }
                }
            } catch {
                throw OCRError(.cancelled, "the worker is stopping")
            }
            return .office(try read.get())
        }
        if let office = format.office {
            let conversion = try await converter.convert(path, format: office, to: .pdf, in: work.directory)
            work.said.converted(conversion.messages)
            return .paged(
                try await documents.open(path: conversion.output, format: .pdf, password: nil, timeLimit: timeLimit, said: work.said)
            )
        }
        if mode == .text, format.isImage {
            throw OCRError(
                .invalidJob,
                "options.mode text reads the text of PDFs and office files; a \(format.rawValue) image has none (use hybrid or ocr)"
            )
        }
        return .paged(
            try await documents.open(
                path: path,
                format: format,
                password: work.job.options.password,
                timeLimit: timeLimit,
                said: work.said
            )
        )
    }

    /// A DOCX, PPTX or XLSX read from its XML, pictures left out in `text` mode.
    private func officeContent(
        _ path: String,
        format: DocumentFormat,
        mode: RecognitionMode
    ) throws(OCRError)
        -> OfficeContent
    {
        let limits = configuration.limits
        let archive = try ZipArchive(path: path, limits: limits.zip)
        let content =
            switch format {
            case .docx: try WordDocument(archive: archive).content(images: mode != .text)
            case .pptx: try PresentationDocument(archive: archive).content(images: mode != .text)
            default: try WorkbookDocument(archive: archive).content()
            }
        if content.pages.count > limits.maxPages {
            throw OCRError(
                .sourceTooLarge,
                "the document has \(content.pages.count) pages, over the \(limits.maxPages)-page limit"
            )
        }
        return content
    }
}

/// A job's document, ready for its pages: PDFs and images as they are, opened where
/// `OCR_DOCUMENT_ISOLATION` says (a child process by default); DOCX, PPTX and XLSX read
/// from their XML unless the job asks for OCR, as are XLS and ODS once LibreOffice has
/// made them XLSX; other office files, and all of these in `ocr` mode, converted to PDF by
/// LibreOffice.
enum OpenedDocument {
    case paged(any DocumentPages)
    case office(OfficeContent)

    var pageCount: Int {
        switch self {
        case .paged(let paged): paged.pageCount
        case .office(let content): content.pages.count
        }
    }
}
