/// The t(9;22) call for one sample (a cell image).
///
/// `positive` means the cell carries t(9;22) in any form: the classic t(9;22)(q34;q11.2), a variant
/// three-way t(9;22;v), a der(22)t(9;22) (the Philadelphia chromosome) or a masked Ph confirmed by
/// FISH or PCR. `negative` means no t(9;22), whatever else the karyotype shows. `unsure` is a
/// reviewer's explicit "cannot tell"; such samples are kept but never exported for training.
import Foundation

public enum SampleLabel: String, Sendable, Codable, CaseIterable, Comparable {
    case positive
    case negative
    case unsure

    /// Labels a model can be trained on.
    public static let trainable: [SampleLabel] = [.negative, .positive]

    /// Whether a model can be trained on this label.
    public var isTrainable: Bool { self != .unsure }

    public static func < (lhs: SampleLabel, rhs: SampleLabel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Parses user input, accepting a few common spellings (`pos`, `t922`, `neg`, `normal`, ...).
    public init?(userInput: String) {
        switch userInput.lowercased().trimmingCharacters(in: .whitespaces) {
        case "positive", "pos", "t922", "t(9;22)", "ph+", "1", "true", "yes": self = .positive
        case "negative", "neg", "normal", "ph-", "0", "false", "no": self = .negative
        case "unsure", "unknown", "?": self = .unsure
        default: return nil
        }
    }
}

/// Where a label came from. Stored with every label event.
public enum LabelSource: String, Sendable, Codable, CaseIterable {
    /// Derived from the lab's karyotype report (an ISCN string).
    case karyotypeReport = "karyotype"
    /// Fluorescence in situ hybridization (BCR::ABL1 probes).
    case fish
    /// RT-PCR for the BCR::ABL1 transcript.
    case pcr
    /// A cytogeneticist's review decision.
    case reviewer
    /// A model's prediction (never used as ground truth for training by default).
    case model

    /// Parses user input, accepting `karyotype_report`, `karyotype-report` and `report` for `.karyotypeReport`.
    public init?(userInput: String) {
        let s = userInput.lowercased().trimmingCharacters(in: .whitespaces)
            .replacingOccurrences(of: "-", with: "_")
        switch s {
        case "karyotype", "karyotype_report", "report", "iscn": self = .karyotypeReport
        case "fish": self = .fish
        case "pcr", "rt_pcr", "rtpcr", "qpcr": self = .pcr
        case "reviewer", "review": self = .reviewer
        case "model": self = .model
        default: return nil
        }
    }
}
