import Foundation
import KaryoCore

/// The label a sample gets when it is imported (usually derived from the lab's karyotype report).
public struct InitialLabel: Sendable, Equatable {
    public var label: SampleLabel
    public var source: LabelSource
    /// The ISCN karyotype the label was derived from, if any.
    public var karyotype: String?
    public var reason: String?

    public init(label: SampleLabel, source: LabelSource, karyotype: String? = nil, reason: String? = nil) {
        self.label = label
        self.source = source
        self.karyotype = karyotype
        self.reason = reason
    }
}

/// One image to import.
///
/// Identifiers are the lab's own (they may be real patient identifiers): they are never stored,
/// only keyed hashes of them (see `identity_keys`). Leading and trailing white space is ignored
/// and an empty identifier counts as absent. Absent identifiers mean "unknown":
/// - no patient identifier: a fresh anonymous patient (with a fresh case and cell) per sample;
/// - a patient but no case identifier: the patient's one "unspecified" case;
/// - no cell identifier: a fresh cell per sample.
public struct NewSample: Sendable {
    public var lab: String
    public var patientIdentifier: String?
    public var caseIdentifier: String?
    public var cellIdentifier: String?
    /// Freshly encoded PNG bytes (never the lab's original file, whose metadata may name the
    /// patient). The store treats them as opaque bytes.
    public var png: Data
    public var width: Int
    public var height: Int
    public var sourceFormat: String
    public var sourceBitDepth: Int
    public var sourceColorModel: String
    /// What the image shows, as far as known at import (the store records karyogram, metaphase
    /// or unknown).
    public var kind: ImageKind
    public var importBatch: Int64?
    public var initialLabel: InitialLabel?
    public var author: String
    /// How the PNG was made from the lab's file, as a JSON object (no file names, no identifiers).
    public var provenance: String

    public init(
        lab: String, patientIdentifier: String?, caseIdentifier: String? = nil, cellIdentifier: String? = nil,
        png: Data, width: Int, height: Int, sourceFormat: String, sourceBitDepth: Int, sourceColorModel: String,
        kind: ImageKind = .unknown, importBatch: Int64? = nil, initialLabel: InitialLabel? = nil, author: String,
        provenance: String = "{}"
    ) {
        self.lab = lab
        self.patientIdentifier = patientIdentifier
        self.caseIdentifier = caseIdentifier
        self.cellIdentifier = cellIdentifier
        self.png = png
        self.width = width
        self.height = height
        self.sourceFormat = sourceFormat
        self.sourceBitDepth = sourceBitDepth
        self.sourceColorModel = sourceColorModel
        self.kind = kind
        self.importBatch = importBatch
        self.initialLabel = initialLabel
        self.author = author
        self.provenance = provenance
    }

    /// The kinds a sample can be stored with.
    public static let kinds: [ImageKind] = [.karyogram, .metaphase, .unknown]
}

public enum AddSampleResult: Sendable, Equatable {
    case added(SampleInfo)
    /// The same image bytes are already in the store.
    case duplicate(existingToken: String)

    public var sampleToken: String {
        switch self {
        case .added(let info): info.token
        case .duplicate(let token): token
        }
    }

    public var isDuplicate: Bool {
        if case .duplicate = self { true } else { false }
    }
}

/// A sample (one image of one cell) with its current label.
public struct SampleInfo: Sendable, Codable, Equatable {
    public var token: String
    public var lab: String
    public var patientToken: String
    public var caseToken: String
    public var cellToken: String
    public var blobHash: String
    public var byteSize: Int
    public var width: Int
    public var height: Int
    public var sourceFormat: String
    public var sourceBitDepth: Int
    public var sourceColorModel: String
    public var kind: ImageKind
    public var importedAt: Date
    public var importBatch: Int64?
    /// The current label; nil when never labelled or when the label was withdrawn.
    public var label: SampleLabel?
    public var labelSource: LabelSource?
    /// The id of the label event that set the current state.
    public var labelEventID: Int64?
    /// How the stored image was made from the lab's file (JSON object).
    public var provenance: String
}

/// One entry of a sample's append-only label history.
public struct LabelEvent: Sendable, Codable, Equatable {
    public var id: Int64
    public var sampleToken: String
    /// nil: the label was withdrawn (the sample leaves the dataset at the next commit).
    public var label: SampleLabel?
    public var source: LabelSource
    public var author: String
    public var reason: String?
    public var karyotype: String?
    public var createdAt: Date
}

/// A derived image (crop, normalisation...) of a sample.
public struct DerivedImageInfo: Sendable, Codable, Equatable {
    public var id: Int64
    public var sampleToken: String
    public var blobHash: String
    public var step: DerivedStep
    /// What made it, as JSON (see ``DerivationParameters``).
    public var parameters: String
    public var inputHash: String
    public var codeVersion: String
    public var createdAt: Date
}

public struct ImportBatchInfo: Sendable, Codable, Equatable {
    public var id: Int64
    public var lab: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var imported: Int?
    public var duplicates: Int?
    public var failed: Int?
}

public struct LabelCounts: Sendable, Codable, Equatable {
    public var positive: Int
    public var negative: Int
    public var unsure: Int

    public init(positive: Int = 0, negative: Int = 0, unsure: Int = 0) {
        self.positive = positive
        self.negative = negative
        self.unsure = unsure
    }

    public subscript(label: SampleLabel) -> Int {
        get {
            switch label {
            case .positive: positive
            case .negative: negative
            case .unsure: unsure
            }
        }
        set {
            switch label {
            case .positive: positive = newValue
            case .negative: negative = newValue
            case .unsure: unsure = newValue
            }
        }
    }

    public var total: Int { positive + negative + unsure }

    static func + (a: LabelCounts, b: LabelCounts) -> LabelCounts {
        LabelCounts(positive: a.positive + b.positive, negative: a.negative + b.negative, unsure: a.unsure + b.unsure)
    }
}

public struct SplitCounts: Sendable, Codable, Equatable {
    public var train: Int
    public var validation: Int
    public var test: Int

    public init(train: Int = 0, validation: Int = 0, test: Int = 0) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    public subscript(split: Split) -> Int {
        switch split {
        case .train: train
        case .validation: validation
        case .test: test
        }
    }

    public var total: Int { train + validation + test }
}

/// Member counts per split and label.
public struct CountMatrix: Sendable, Codable, Equatable {
    public var train: LabelCounts
    public var validation: LabelCounts
    public var test: LabelCounts

    public init(train: LabelCounts = .init(), validation: LabelCounts = .init(), test: LabelCounts = .init()) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    public subscript(split: Split) -> LabelCounts {
        get {
            switch split {
            case .train: train
            case .validation: validation
            case .test: test
            }
        }
        set {
            switch split {
            case .train: train = newValue
            case .validation: validation = newValue
            case .test: test = newValue
            }
        }
    }

    public subscript(split: Split, label: SampleLabel) -> Int {
        get { self[split][label] }
        set { self[split][label] = newValue }
    }

    public var labelCounts: LabelCounts { train + validation + test }
    public var splitCounts: SplitCounts {
        SplitCounts(train: train.total, validation: validation.total, test: test.total)
    }
    public var total: Int { train.total + validation.total + test.total }
}

/// A committed, immutable dataset version.
public struct VersionInfo: Sendable, Codable, Equatable {
    /// "v-" + 20 hex chars, derived from the content (members, labels, splits) only.
    public var id: String
    public var parent: String?
    public var message: String
    public var author: String
    public var createdAt: Date
    public var memberCount: Int
    public var labelCounts: LabelCounts
    public var splitCounts: SplitCounts
    /// Counts per split and label.
    public var counts: CountMatrix
    /// The size of the delta from the parent.
    public var added: Int
    public var removed: Int
    public var updated: Int
    /// Tags pointing at this version, sorted.
    public var tags: [String]
}

/// A sample in a version, as the version recorded it.
public struct VersionMember: Sendable, Codable, Equatable {
    public var sampleToken: String
    public var patientToken: String
    public var caseToken: String
    public var cellToken: String
    public var lab: String
    public var label: SampleLabel
    public var split: Split
    public var blobHash: String
    public var width: Int
    public var height: Int
    public var kind: ImageKind

    public init(
        sampleToken: String, patientToken: String, caseToken: String, cellToken: String, lab: String,
        label: SampleLabel, split: Split, blobHash: String, width: Int, height: Int, kind: ImageKind
    ) {
        self.sampleToken = sampleToken
        self.patientToken = patientToken
        self.caseToken = caseToken
        self.cellToken = cellToken
        self.lab = lab
        self.label = label
        self.split = split
        self.blobHash = blobHash
        self.width = width
        self.height = height
        self.kind = kind
    }
}

public struct DiffMember: Sendable, Codable, Equatable {
    public var sampleToken: String
    public var label: SampleLabel
    public var split: Split

    public init(sampleToken: String, label: SampleLabel, split: Split) {
        self.sampleToken = sampleToken
        self.label = label
        self.split = split
    }
}

public struct LabelChange: Sendable, Codable, Equatable {
    public var sampleToken: String
    public var old: SampleLabel
    public var new: SampleLabel

    public init(sampleToken: String, old: SampleLabel, new: SampleLabel) {
        self.sampleToken = sampleToken
        self.old = old
        self.new = new
    }
}

public struct SplitChange: Sendable, Codable, Equatable {
    public var sampleToken: String
    public var old: Split
    public var new: Split

    public init(sampleToken: String, old: Split, new: Split) {
        self.sampleToken = sampleToken
        self.old = old
        self.new = new
    }
}

/// What changed between two versions (or between HEAD and the working state). Lists are sorted by
/// sample token. A sample whose label and split both changed appears in both change lists.
public struct VersionDiff: Sendable, Codable, Equatable {
    public var from: String?
    public var to: String
    public var added: [DiffMember]
    public var removed: [DiffMember]
    public var labelChanges: [LabelChange]
    public var splitChanges: [SplitChange]

    public var isEmpty: Bool {
        added.isEmpty && removed.isEmpty && labelChanges.isEmpty && splitChanges.isEmpty
    }
}

public struct TagInfo: Sendable, Codable, Equatable {
    public var name: String
    public var version: String
    public var createdAt: Date
}

public struct ExportRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var version: String
    public var parameters: String
    public var manifestSHA256: String
    public var createdAt: Date
}

/// Changes in the working state that the next commit would record.
public struct UncommittedCounts: Sendable, Codable, Equatable {
    /// Samples that would join the dataset (newly labelled).
    public var added: Int
    /// Members whose label was withdrawn.
    public var removed: Int
    /// Members whose label changed.
    public var labelChanged: Int

    public init(added: Int, removed: Int, labelChanged: Int) {
        self.added = added
        self.removed = removed
        self.labelChanged = labelChanged
    }

    public var total: Int { added + removed + labelChanged }
}

public struct StoreStatus: Sendable, Codable, Equatable {
    public var labs: Int
    public var patients: Int
    public var cases: Int
    public var cells: Int
    public var samples: Int
    public var derivedImages: Int
    public var blobs: Int
    /// Current labels of all samples.
    public var labelCounts: LabelCounts
    public var unlabelled: Int
    public var versions: Int
    public var tags: Int
    /// The id of the latest version, nil before the first commit.
    public var head: String?
    public var uncommitted: UncommittedCounts
}

public struct VerifyReport: Sendable, Codable, Equatable {
    /// SQLite's integrity check plus the store's own consistency checks.
    public var integrityOK: Bool
    public var integrityMessages: [String]
    public var foreignKeyViolations: Int
    public var blobsChecked: Int
    public var missingBlobs: [String]
    public var changedBlobs: [String]
    /// Files under blobs/ that no row references: harmless leftovers of an interrupted import.
    public var orphanBlobs: [String]
    /// Stale temporary files found (and removed) when the store was opened and during verify.
    public var leftoverTempFiles: Int
    public var versionsChecked: Int
    public var versionsWithWrongID: [String]

    public var isHealthy: Bool {
        integrityOK && foreignKeyViolations == 0 && missingBlobs.isEmpty && changedBlobs.isEmpty
            && versionsWithWrongID.isEmpty
    }
}
