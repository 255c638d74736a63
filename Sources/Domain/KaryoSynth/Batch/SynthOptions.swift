import Foundation
import KaryoCore

/// What a synthetic batch contains. Every field has a default; the same options and seed always
/// give the same pixels, files and ground truth.
public struct SynthOptions: Sendable {
    /// Which images to make of every cell: its karyogram, its metaphase, or both (CytoVision
    /// `.K`/`.A` pairs).
    public enum Images: String, Sendable, Codable, CaseIterable {
        case karyogram, metaphase, both

        /// The kinds of image made of every cell.
        public var kinds: [ImageKind] {
            switch self {
            case .karyogram: [.karyogram]
            case .metaphase: [.metaphase]
            case .both: [.karyogram, .metaphase]
            }
        }
    }

    /// File formats; `mixed` cycles PNG, JPEG, TIFF over the images.
    public enum Format: String, Sendable, Codable, CaseIterable {
        case png, jpeg, tiff, mixed
    }

    /// Number of cells (a cell gives one image, or two with `kind == .both`).
    public var count: Int = 12
    /// Fraction of cases (patients) carrying t(9;22) in at least two cells.
    public var positiveFraction: Double = 0.5
    public var kind: Images = .karyogram
    public var bandLevel: BandLevel = .bands400
    public var seed: UInt64 = 1
    public var format: Format = .png
    public var width: Int = 1000
    public var height: Int = 900
    /// Cells per case (one case per synthetic patient); a positive case needs at least 2.
    public var cellsPerCase: Int = 3
    /// Of the positive cases, the fraction with a variant three-way t(9;22;v) and with a masked Ph.
    public var variantFraction: Double = 0
    public var maskedPhFraction: Double = 0
    /// Of the negative cases, the fraction carrying another translocation (t(8;21), t(15;17), t(4;11)).
    public var hardNegativeFraction: Double = 0
    /// A folder of real single-chromosome crops (PKI-3 extracted archive or BioImLab Q-band) for
    /// semi-synthetic images; nil draws every chromosome from the band tables.
    public var realChromosomes: URL?
    /// Keep the bright-on-dark polarity of Q-band crops instead of inverting them to G-like.
    public var keepQBandPolarity: Bool = false
    /// Burn plainly fake names, record numbers and birth dates into the pixels and the metadata,
    /// and use the fake record numbers as patient ids (for de-identification tests).
    public var fakeIdentities: Bool = false
    /// Write the label maps (`truth/<file>.mask.png`).
    public var writeMasks: Bool = true
    /// Worker threads (0 = one per core).
    public var threads: Int = 0

    public init() {}

    /// Checks ranges; returns a message for the first problem.
    public func validationProblem() -> String? {
        if count < 1 { return "the count must be at least 1" }
        for (name, f) in [("positive fraction", positiveFraction), ("variant fraction", variantFraction),
                          ("masked-Ph fraction", maskedPhFraction), ("hard-negative fraction", hardNegativeFraction)]
        where !(0...1).contains(f) {
            return "the \(name) must be between 0 and 1"
        }
        if variantFraction + maskedPhFraction > 1 { return "variant and masked-Ph fractions add up to more than 1" }
        if width < 200 || height < 180 || width > 8000 || height > 8000 {
            return "the image size must be between 200x180 and 8000x8000"
        }
        if cellsPerCase < 1 { return "cells per case must be at least 1" }
        return nil
    }
}

/// What a batch produced.
public struct SynthReport: Sendable, Codable {
    public var output: String
    public var images: Int
    public var cells: Int
    public var cases: Int
    public var positiveCells: Int
    public var negativeCells: Int
    public var positiveCases: Int
    public var manifest: String
    public var seed: UInt64
    public var generator: String
    public var seconds: Double
    /// Files written, relative to the output folder (images only), in manifest order.
    public var files: [String]
}

/// Why a batch could not be made.
public struct SynthError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
