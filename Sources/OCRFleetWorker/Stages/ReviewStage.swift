import Foundation
import OCRFleetAnalysis
import OCRFleetBus
import OCRFleetMetrics
import OCRFleetModel
import OCRFleetReview

/// Sends the extracted values people should look at to review (`options.review`,
/// docs/review.md#worker): plans the items (`ReviewPlanner`), crops the regions they cite
/// (`ReviewCrops`), and stores the case, the extraction document, the crops and the items and
/// queues them (`ReviewStore.open`) before the job can complete, so `completed` never names
/// items that do not exist. A retried attempt keeps the review an earlier one opened, and
/// uploads the document its items were planned from. A store that fails fails the attempt as
/// `result_upload_failed`, retried like an upload.
struct ReviewStage: JobStage {
    let store: ReviewStore
    let crops: ReviewCrops

    var name: String { "review" }
    var announcesStart: Bool { true }

    func applies(to work: JobWork) -> Bool { work.job.options.review != nil && work.job.options.extract != nil }

    func run(_ work: inout JobWork) async throws {
        guard let options = work.job.options.review else { return }
        // A job whose tenant cannot name a review lane was refused when it was read.
        let tenant = work.job.metadata?["tenant"] ?? "default"
        if let kept = try await keptReview(of: work.job.jobID, tenant: tenant, schema: work.job.options.extract?.schema) {
            do {
                try await store.queue(kept.items)
                // Decided while an earlier attempt failed: the sweep finishes it once this one completes.
                if kept.case.isReadyToFinish { try await store.markReady(jobID: work.job.jobID) }
            } catch {
                throw OCRError(.resultUploadFailed, "the review items could not be queued again: \(error)")
            }
            work.analysisDocument = kept.document
            work.document = nil
            work.review = ReviewSummary(items: kept.items)
            return
        }
        let document = work.analysisDocument
        let schema = try work.job.options.extract?.parsedSchema()
        let planner = ReviewPlanner(jobID: work.job.jobID, tenant: tenant, options: options, schema: schema)
        let pages = work.analysisPages().map { page in
            ReviewPage(number: page.number, markdown: page.markdown, markdownOffset: page.markdownOffset, confidence: page.ocrConfidence)
        }
        let now = Date()
        let planned = planner.items(of: document, pages: pages, markdown: String(decoding: work.markdown, as: UTF8.self), createdAt: now)
        // Fields come first, so pages are the first left out.
        var items = Array(planned.prefix(ReviewSummary.maxItems))
        guard !items.isEmpty else {
            work.document = nil
            work.review = ReviewSummary(needsReview: false, items: 0)
            Self.count(fieldsOf: document, items: [])
            return
        }
        let images = await crops.crops(for: items, in: work)
        // The recognize stage kept the document open for the crops; its child process goes now.
        work.document = nil
        for index in items.indices { items[index].crop = images[items[index].id] != nil }
        let reviewCase = ReviewCase(
            jobID: work.job.jobID,
            tenant: tenant,
            label: document.classification?.label,
            attempt: work.reporter.header.attempt,
            itemIDs: items.map(\.id),
            schema: work.job.options.extract?.schema,
            createdAt: now
        )
        do {
            try await store.open(case: reviewCase, items: items, document: try UploadStage.json(document), crops: images)
        } catch {
            throw OCRError(.resultUploadFailed, "the review items could not be stored: \(error)")
        }
        work.review = ReviewSummary(items: items, omitted: planned.count - items.count)
        Self.count(fieldsOf: document, items: items)
    }

    /// The review an earlier attempt of the job opened, with the document its items were
    /// planned from; nil when none did. A retried attempt keeps it: reviewers may hold or
    /// have decided its items already, and a new plan (a model need not answer the same
    /// twice) would put other fields under the same ids. The job then uploads that document,
    /// so its `extraction.json` is what the items cite.
    ///
    /// A case of the same job id from another tenant or under another schema (a job published
    /// again on NATS with other content) is refused: keeping it would mix two submissions.
    func keptReview(
        of jobID: String,
        tenant: String,
        schema: JSONValue?
    ) async throws(OCRError) -> (case: ReviewCase, document: ExtractionDocument, items: [ReviewItem])? {
        let found: ReviewCase?
        do { found = try await store.caseOf(jobID: jobID) } catch {
            throw OCRError(.resultUploadFailed, "the review an earlier attempt opened could not be read: \(error)")
        }
        guard let reviewCase = found else { return nil }
        guard reviewCase.tenant == tenant, reviewCase.schema == schema else {
            throw OCRError(
                .invalidJob,
                "job \(jobID) already has a review of an earlier submission with another tenant or schema; submit it under a new job id"
            )
        }
        do {
            guard let bytes = try await store.document(jobID: jobID) else { return nil }
            let document = try CloudEventCoding.decoder().decode(ExtractionDocument.self, from: Data(bytes))
            var items: [ReviewItem] = []
            for id in reviewCase.itemIDs {
                guard let item = try await store.item(id) else { return nil }
                items.append(item)
            }
            return (reviewCase, document, items)
        } catch {
            throw OCRError(.resultUploadFailed, "the review an earlier attempt opened could not be read: \(error)")
        }
    }

    /// The review metrics: the fields looked at and the items queued, by label (the review
    /// rate's two sides).
    static func count(fieldsOf document: ExtractionDocument, items: [ReviewItem]) {
        let label = document.classification?.label ?? "none"
        if let extraction = document.extraction { FleetMetrics.reviewFields(extraction.fields.count, label: label) }
        for section in document.sections ?? [] {
            if let extraction = section.extraction { FleetMetrics.reviewFields(extraction.fields.count, label: section.label) }
        }
        for item in items {
            FleetMetrics.reviewItem(label: item.label ?? "none", kind: item.kind.rawValue, reasons: item.reasons.map(\.rawValue))
        }
    }
}
