import KaryoCore
import KaryoISCN
import KaryoStore

/// Records label decisions as append-only label events.
public struct Labeler: Sendable {
    public let store: DatasetStore

    public init(store: DatasetStore) {
        self.store = store
    }

    /// Labels each sample in `samples`.
    ///
    /// The label is `label` when given; otherwise it is derived from `karyotype` (an ISCN string),
    /// which is refused when it cannot be parsed. When both are given with the karyotype report as
    /// source, they must agree.
    /// - Returns: the label events written, one per sample.
    public func label(
        samples: [String], label: SampleLabel?, karyotype: String?, source: LabelSource?, author: String, reason: String?
    ) throws -> [LabelEvent] {
        guard !samples.isEmpty else { throw LabelCommandError("name at least one sample") }
        var effective = label
        var effectiveSource = source
        if let karyotype {
            let parsed = try ISCN.parse(karyotype)
            if let label, label != parsed.t922Label, (source ?? .karyotypeReport) == .karyotypeReport {
                throw LabelCommandError(
                    "the karyotype says \(parsed.t922Label.rawValue) but the label is \(label.rawValue); "
                        + "give --source fish, pcr or reviewer if another test overrides the karyotype")
            }
            if effective == nil {
                effective = parsed.t922Label
                effectiveSource = effectiveSource ?? .karyotypeReport
            }
        }
        guard let effective else { throw LabelCommandError("give a label (--as) or a karyotype (--karyotype)") }
        // Check every sample exists before writing anything.
        for token in samples { _ = try store.sample(token: token) }
        return try samples.map {
            try store.addLabel(
                sample: $0, label: effective, source: effectiveSource ?? .reviewer, author: author, reason: reason,
                karyotype: karyotype)
        }
    }
}
