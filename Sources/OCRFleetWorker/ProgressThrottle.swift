import Logging
import OCRFleetModel

/// Publishes `progress` after the first page, then at most about once a second, and after
/// the last page; and as each stage after recognition starts. Progress may be lost: bus
/// trouble is not waited out for it.
actor ProgressThrottle {
    let total: Int
    let reporter: LifecycleReporter
    let logger: Logger
    let clock: FleetClock
    private var lastSent: FleetClock.Instant?
    /// The end another attempt recorded, once a progress write found it.
    private(set) var endedElsewhere: JobState?

    init(total: Int, reporter: LifecycleReporter, clock: FleetClock, logger: Logger) {
        self.total = total
        self.reporter = reporter
        self.clock = clock
        self.logger = logger
    }

    func pagesDone(_ done: Int) async {
        let now = clock.now
        if let lastSent, done < total, now - lastSent < .seconds(1) { return }
        lastSent = now
        guard endedElsewhere == nil else { return }
        do {
            try await reporter.updateState(patient: false) { $0.pagesDone = done }
            try await reporter.publish(.progress(JobProgress(pagesDone: done, pagesTotal: total)), patient: false)
        } catch let elsewhere as JobEndedElsewhere {
            endedElsewhere = elsewhere.state
        } catch {
            logger.notice("cannot publish progress", metadata: ["error": "\(error)"])
        }
    }

    /// Announces a stage after recognition as it starts, every page done; never throttled.
    /// The state is written first, so an end another attempt recorded meanwhile is found.
    func stageStarted(_ stage: String) async {
        guard endedElsewhere == nil else { return }
        do {
            try await reporter.updateState(patient: false) { [total] in $0.pagesDone = total }
            try await reporter.publish(.progress(JobProgress(pagesDone: total, pagesTotal: total, stage: stage)), patient: false)
        } catch let elsewhere as JobEndedElsewhere {
            endedElsewhere = elsewhere.state
        } catch {
            logger.notice("cannot publish progress", metadata: ["error": "\(error)"])
        }
    }
}
