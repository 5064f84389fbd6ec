import CNats
import Crypto
import Foundation
import OCRFleetModel

extension ReviewStore {
    /// A label's token in the corrections subject: its SHA-256 in 16 lower-case hex digits,
    /// `none` without a label (labels are free text, subjects are not).
    public static func labelKey(_ label: String?) -> String {
        guard let label else { return "none" }
        return SHA256.hash(data: Data(label.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    func publishAudit(_ record: ReviewAuditRecord) async throws {
        let at = Int((record.at.timeIntervalSince1970 * 1000).rounded())
        try await connection.publish(
            Subjects.reviewAudit(tenant: record.tenant, jobID: record.jobID),
            payload: Array(try CloudEventCoding.encoder().encode(record)),
            headers: ["Content-Type": "application/json"],
            messageID: "audit-\(record.item)-\(record.action.rawValue)-\(at)"
        )
    }

    func publishCorrection(_ correction: ReviewCorrection) async throws {
        try await connection.publish(
            Subjects.reviewCorrections(tenant: correction.tenant, labelKey: Self.labelKey(correction.label)),
            payload: Array(try CloudEventCoding.encoder().encode(correction)),
            headers: ["Content-Type": "application/json"],
            messageID: "correction-\(correction.item ?? correction.pointer)"
        )
    }

    /// The newest corrections of a tenant's fields under `label`, newest first (at most the
    /// 500 the stream keeps per tenant and label).
    public func recentCorrections(tenant: String, label: String?, limit: Int) async throws -> [ReviewCorrection] {
        guard ReviewItem.isValidTenant(tenant), limit > 0 else { return [] }
        let subject = Subjects.reviewCorrections(tenant: tenant, labelKey: Self.labelKey(label))
        let stored = try await messages(in: StreamNames.reviewCorrections, on: subject, limit: Int(ReviewTopology.correctionsPerSubject))
        let corrections = stored.reversed().compactMap { try? CloudEventCoding.decoder().decode(ReviewCorrection.self, from: Data($0)) }
        return Array(corrections.filter { $0.label == label }.prefix(limit))
    }

    /// A tenant's audit trail, oldest first: one item's (read from its job's subject), or
    /// every record (read across the tenant's jobs).
    public func auditTrail(tenant: String, item: String? = nil, limit: Int = 1000) async throws -> [ReviewAuditRecord] {
        guard ReviewItem.isValidTenant(tenant), limit > 0 else { return [] }
        var subject = Subjects.reviewAudit(tenant: tenant)
        if let item {
            guard Self.isValidItemID(item), let dot = item.lastIndex(of: ".") else { return [] }
            subject = Subjects.reviewAudit(tenant: tenant, jobID: String(item[..<dot]))
        }
        var records: [ReviewAuditRecord] = []
        for payload in try await messages(in: StreamNames.reviewAudit, on: subject, limit: .max) {
            guard let record = try? CloudEventCoding.decoder().decode(ReviewAuditRecord.self, from: Data(payload)),
                item.map({ $0 == record.item }) ?? true
            else { continue }
            records.append(record)
            if records.count == limit { break }
        }
        return records
    }

    /// The payloads kept on `subject`, oldest first, read one by one with direct gets.
    private func messages(in stream: String, on subject: String, limit: Int) async throws -> [[UInt8]] {
        try await storedMessages(in: stream, on: subject, limit: limit).map(\.payload)
    }

    /// The messages kept on `subject` (wildcards allowed), oldest first, with their sequences,
    /// read one by one with direct gets.
    func storedMessages(in stream: String, on subject: String, limit: Int) async throws -> [(sequence: UInt64, payload: [UInt8])] {
        var found: [(sequence: UInt64, payload: [UInt8])] = []
        var next: UInt64 = 1
        while found.count < limit {
            let start = next
            let message: (UInt64, [UInt8])? = try await connection.blockingCall { [connection] in
                var options = jsDirectGetMsgOptions()
                jsDirectGetMsgOptions_Init(&options)
                var message: OpaquePointer?
                let status = subject.withCString { cSubject in
                    options.Sequence = start
                    options.NextBySubject = cSubject
                    return js_DirectGetMsg(&message, connection.jetStream, stream, nil, &options)
                }
                if status == NATS_NOT_FOUND { return nil }
                try check("read \(subject) from \(stream)", status)
                let stored = StoredMessage(taking: message!)
                let sequence = stored.headers["Nats-Sequence"].flatMap { UInt64($0) } ?? stored.sequence
                return (sequence, stored.payload)
            }
            guard let (sequence, payload) = message, sequence >= next else { break }
            found.append((sequence, payload))
            next = sequence + 1
        }
        return found
    }
}
