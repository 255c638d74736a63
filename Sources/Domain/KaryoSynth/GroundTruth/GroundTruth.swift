/// Ground truth written next to every synthetic image.
import KaryoCore

/// One chromosome of an image.
public struct ObjectTruth: Sendable, Codable, Equatable {
    /// The object's value in the label map (1...46...).
    public var id: Int
    /// Karyogram class: `1`...`22`, `X`, `Y`.
    public var chromosomeClass: String
    public var role: ChromosomeRole
    /// Axis-aligned box `[x, y, w, h]` of every pixel the chromosome darkens (before noise).
    public var box: PixelBox
    /// The pieces of normal chromosomes it is made of, ISCN notation, e.g. `22pter->22q11.2::9q34->9qter`.
    public var composition: String
    /// Axis length in pixels as drawn.
    public var axisLength: Double
    /// Where the pixels came from: `ideogram:ncbi-iscn-400`, or the dataset and file of a real crop.
    public var source: [String]

    enum CodingKeys: String, CodingKey {
        case id, role, box, composition, source
        case chromosomeClass = "class"
        case axisLength = "axis_length"
    }
}

/// A piece of text burned into the pixels (fake-identity set only).
public struct TextTruth: Sendable, Codable, Equatable {
    public var text: String
    public var box: PixelBox
    /// `header` (white on dark), `corner`, `vertical`, `faint`.
    public var style: String
}

/// The ground truth of one image.
public struct ImageTruth: Sendable, Codable, Equatable {
    /// Always true: these images are synthetic.
    public var synthetic: Bool
    public var generator: String
    public var file: String
    /// `karyogram` or `metaphase`.
    public var kind: ImageKind
    public var width: Int
    public var height: Int
    public var patientID: String
    public var caseID: String
    public var cellID: String
    /// The cell's ISCN karyotype.
    public var karyotype: String
    /// The case's ISCN karyotype (all its cells).
    public var caseKaryotype: String
    /// `positive` or `negative` for t(9;22).
    public var label: String
    /// `normal`, `t(9;22)`, `variant t(9;22;v)`, `masked Ph` or `other translocation`.
    public var scenario: String
    public var sex: Sex
    public var bandLevel: Int
    public var seed: UInt64
    /// Label map (8-bit PNG, value = object id, 0 = background), relative to the batch folder.
    public var mask: String
    public var objects: [ObjectTruth]
    public var burnedText: [TextTruth]?
    public var metadataText: [String: String]?

    enum CodingKeys: String, CodingKey {
        case synthetic, generator, file, kind, width, height, karyotype, label, scenario, sex, seed, mask, objects
        case patientID = "patient_id"
        case caseID = "case_id"
        case cellID = "cell_id"
        case caseKaryotype = "case_karyotype"
        case bandLevel = "band_level"
        case burnedText = "burned_text"
        case metadataText = "metadata_text"
    }
}

extension ChromosomeSpec {
    /// ISCN-style description of the pieces, e.g. `22pter->22q11.2::9q34->9qter`.
    func composition(table: BandTable) -> String {
        if role == .normal { return chromosomeClass }
        return segments.map { seg in
            let c = table[seg.chromosome]
            let a = seg.from <= 0 ? "pter" : c.band(at: seg.from).name
            let b = seg.to >= c.length ? "qter" : c.band(at: seg.to - 0.001).name
            return "\(seg.chromosome)\(a)->\(seg.chromosome)\(b)"
        }.joined(separator: "::")
    }
}
