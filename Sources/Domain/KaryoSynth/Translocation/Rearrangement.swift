/// Chromosome rearrangements: which pieces of which normal chromosomes make each chromosome of a cell.

/// The role of a chromosome in the ground truth.
public enum ChromosomeRole: String, Sendable, Codable {
    case normal
    /// The derivative 9 of t(9;22) (9pter→9q34::22q11.2→22qter), or of a variant/insertion.
    case der9 = "der(9)"
    /// The derivative 22 of t(9;22), the Philadelphia chromosome (22pter→22q11.2::9q34→9qter).
    case der22 = "der(22)"
    /// A derivative of any other translocation (variant partner, hard negative).
    case derOther = "der(other)"
}

/// A breakpoint: a chromosome, the band ISCN names it by, and its GRCh38 position.
struct Breakpoint: Sendable, Equatable {
    let chromosome: String
    /// Band as written in the karyotype, e.g. `q34` or `q11.2`.
    let band: String
    let bp: Int

    /// ABL1, 9q34.12 (GRCh38 chr9:130,713,946-130,887,675; the break is in intron 1).
    static let abl1 = Breakpoint(chromosome: "9", band: "q34", bp: 130_714_000)
    /// BCR, 22q11.23 (GRCh38 chr22:23,180,365-23,318,037; M-bcr near 23.29 Mb).
    static let bcr = Breakpoint(chromosome: "22", band: "q11.2", bp: 23_290_000)
    /// The distal end of the 9q34 segment moved by the masked-Ph insertion ins(22;9)(q11.2;q34q34).
    static let abl1InsertEnd = Breakpoint(chromosome: "9", band: "q34", bp: 133_000_000)

    /// Partners of the variant three-way t(9;22;v) (q-arm breaks).
    static let variantPartners: [Breakpoint] = [
        Breakpoint(chromosome: "11", band: "q13", bp: 69_600_000),
        Breakpoint(chromosome: "17", band: "q25", bp: 78_000_000),
        Breakpoint(chromosome: "12", band: "q13", bp: 52_000_000),
    ]

    /// Reciprocal translocations of other leukemias, used as hard negatives.
    static let hardNegatives: [(Breakpoint, Breakpoint)] = [
        // t(8;21)(q22;q22): RUNX1T1 (8q21.3) and RUNX1 (21q22.12).
        (Breakpoint(chromosome: "8", band: "q22", bp: 92_000_000), Breakpoint(chromosome: "21", band: "q22", bp: 34_880_000)),
        // t(15;17)(q24;q21): PML (15q24.1) and RARA (17q21.2).
        (Breakpoint(chromosome: "15", band: "q24", bp: 73_996_000), Breakpoint(chromosome: "17", band: "q21", bp: 40_340_000)),
        // t(4;11)(q21;q23): AFF1 (4q21.3) and KMT2A (11q23.3).
        (Breakpoint(chromosome: "4", band: "q21", bp: 86_990_000), Breakpoint(chromosome: "11", band: "q23", bp: 118_480_000)),
    ]
}

/// A piece of a normal chromosome, in its ISCN units, oriented pter→qter.
struct Segment: Sendable, Equatable {
    let chromosome: String
    let from: Double
    let to: Double
    var length: Double { to - from }
}

/// What a cell carries besides a normal karyotype.
enum CellAbnormality: Sendable, Equatable {
    case none
    /// t(9;22)(q34;q11.2).
    case t922
    /// Variant three-way t(9;22;v): 9q34→qter to der(22), 22q11.2→qter to der(v), v distal to der(9).
    case variant(Breakpoint)
    /// Masked Ph: ins(22;9)(q11.2;q34q34), a small 9q34 piece (ABL1) inserted into 22q11.2.
    case maskedPh
    /// Another reciprocal translocation (negative for t(9;22)).
    case other(Breakpoint, Breakpoint)

    var isT922: Bool {
        switch self {
        case .t922, .variant, .maskedPh: return true
        case .none, .other: return false
        }
    }

    /// The ISCN abnormality, without the count and sex chromosomes; nil for a normal cell.
    var iscn: String? {
        switch self {
        case .none: return nil
        case .t922: return "t(9;22)(q34;q11.2)"
        case .variant(let v): return "t(9;22;\(v.chromosome))(q34;q11.2;\(v.band))"
        case .maskedPh: return "ins(22;9)(q11.2;q34q34)"
        case .other(let a, let b): return "t(\(a.chromosome);\(b.chromosome))(\(a.band);\(b.band))"
        }
    }

    /// Short name for reports.
    var kindName: String {
        switch self {
        case .none: return "normal"
        case .t922: return "t(9;22)"
        case .variant: return "variant t(9;22;v)"
        case .maskedPh: return "masked Ph"
        case .other: return "other translocation"
        }
    }
}

/// The specification of one chromosome of a cell: its karyogram class, role and pieces.
struct ChromosomeSpec: Sendable, Equatable {
    /// Karyogram class (`1`...`22`, `X`, `Y`): the slot it is placed in.
    let chromosomeClass: String
    let role: ChromosomeRole
    let segments: [Segment]
    /// Centromere position along this chromosome, ISCN units from pter.
    let centromere: Double

    var length: Double { segments.reduce(0) { $0 + $1.length } }
}

/// Builds the chromosome list of a cell.
enum CellBuilder {
    /// 46 chromosomes in karyogram order: two of each autosome, then the sex chromosomes.
    /// A derivative replaces the second homolog of its class.
    static func chromosomes(sex: Sex, abnormality: CellAbnormality, table: BandTable) -> [ChromosomeSpec] {
        var derivatives: [String: ChromosomeSpec] = [:]
        func pos(_ b: Breakpoint) -> Double { table[b.chromosome].iscnPosition(bp: b.bp) }
        func whole(_ c: String) -> Segment { Segment(chromosome: c, from: 0, to: table[c].length) }
        func proximal(_ b: Breakpoint) -> Segment { Segment(chromosome: b.chromosome, from: 0, to: pos(b)) }
        func distal(_ b: Breakpoint) -> Segment { Segment(chromosome: b.chromosome, from: pos(b), to: table[b.chromosome].length) }
        func der(_ cls: String, _ role: ChromosomeRole, _ segments: [Segment]) {
            derivatives[cls] = ChromosomeSpec(chromosomeClass: cls, role: role, segments: segments,
                                              centromere: table[cls].centromere)
        }
        switch abnormality {
        case .none:
            break
        case .t922:
            der("9", .der9, [proximal(.abl1), distal(.bcr)])
            der("22", .der22, [proximal(.bcr), distal(.abl1)])
        case .variant(let v):
            der("9", .der9, [proximal(.abl1), distal(v)])
            der("22", .der22, [proximal(.bcr), distal(.abl1)])
            der(v.chromosome, .derOther, [proximal(v), distal(.bcr)])
        case .maskedPh:
            let a = pos(.abl1), b = pos(.abl1InsertEnd)
            der("9", .der9, [Segment(chromosome: "9", from: 0, to: a), Segment(chromosome: "9", from: b, to: table["9"].length)])
            der("22", .der22, [proximal(.bcr), Segment(chromosome: "9", from: a, to: b), distal(.bcr)])
        case .other(let x, let y):
            der(x.chromosome, .derOther, [proximal(x), distal(y)])
            der(y.chromosome, .derOther, [proximal(y), distal(x)])
        }
        var result: [ChromosomeSpec] = []
        func normal(_ c: String) -> ChromosomeSpec {
            ChromosomeSpec(chromosomeClass: c, role: .normal, segments: [whole(c)], centromere: table[c].centromere)
        }
        for n in 1...22 {
            let c = String(n)
            result.append(normal(c))
            result.append(derivatives[c] ?? normal(c))
        }
        result.append(normal("X"))
        result.append(normal(sex == .male ? "Y" : "X"))
        return result
    }

    /// The cell's ISCN karyotype, e.g. `46,XY,t(9;22)(q34;q11.2)`.
    static func karyotype(sex: Sex, abnormality: CellAbnormality) -> String {
        let base = "46," + (sex == .male ? "XY" : "XX")
        return abnormality.iscn.map { base + "," + $0 } ?? base
    }
}

/// Sex of a synthetic patient.
public enum Sex: String, Sendable, Codable {
    case male
    case female
}
