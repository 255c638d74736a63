/// The parsed form of an ISCN karyotype string (ISCN 2020/2024 short system).
///
/// A karyotype is a list of clones (cell lines) separated by `/` (mosaic or clonal evolution) or
/// `//` (chimerism: recipient cells first, donor cells after), optionally followed by in situ
/// hybridization results after a `.`: `ish ...` (metaphase FISH) or `nuc ish ...` (interphase FISH).
/// A karyotype may also consist of FISH results only (`nuc ish(ABL1,BCR)x2[200]`).
import KaryoCore

/// A parsed ISCN karyotype.
public struct Karyotype: Sendable, Equatable {
    /// The input, with leading and trailing whitespace removed.
    public let text: String
    /// The same karyotype with all optional whitespace removed (`46,XY, +8` becomes `46,XY,+8`).
    public let normalizedText: String
    /// The clones (cell lines) in the order written. Empty when the karyotype is FISH-only.
    public let clones: [Clone]
    /// In situ hybridization results (`ish`, `nuc ish`), one per `/`-separated population.
    public let ish: [ISHResult]

    /// True when no clone carries an acquired abnormality: every abnormality of every clone is
    /// marked constitutional (`c`), or there are none at all (`46,XY`, `47,XY,+21c`). FISH results
    /// are not considered. A constitutional t(9;22) still makes ``hasT922`` true (the cell carries it).
    public var isConstitutionalOnly: Bool {
        clones.allSatisfy { clone in clone.abnormalities.allSatisfy(\.isConstitutional) }
    }

    /// True when the karyotype contains a `//` (chimerism, e.g. after stem cell transplantation).
    public var isChimera: Bool { clones.contains { $0.chimeraComponent > 0 } }

    public init(text: String, normalizedText: String, clones: [Clone], ish: [ISHResult]) {
        self.text = text
        self.normalizedText = normalizedText
        self.clones = clones
        self.ish = ish
    }
}

/// One clone (cell line) of a karyotype, e.g. `47,idem,+8[5]`.
public struct Clone: Sendable, Equatable {
    /// The clone as written, without optional whitespace (`47,idem,+8[5]`).
    public let text: String
    /// The chromosome number: `46...46` for `46`, `45...48` for `45~48`.
    public let chromosomeCount: ClosedRange<Int>
    /// The ploidy level written after the count, e.g. `<4n>` in `92<4n>,XXYY`; nil when absent.
    public let ploidy: String?
    /// The sex chromosomes (`XY`, `XX`, `X`, `XXY`, ...) without a `c` suffix. For an `idem`/`sl`/`sdl`
    /// clone they are inherited from the referenced clone. nil when the karyotype omits them.
    public let sexChromosomes: String?
    /// True when the sex chromosomes are marked constitutional (`47,XXYc`).
    public let sexChromosomesAreConstitutional: Bool
    /// All abnormalities the clone carries: those inherited through `idem`/`sl`/`sdl` followed by
    /// the clone's own.
    public let abnormalities: [Abnormality]
    /// The abnormalities written in this clone (without the inherited ones).
    public let ownAbnormalities: [Abnormality]
    /// `idem`, `sl`, `sdl` or `sdl1`, `sdl2`, ... when the clone refers to an earlier one.
    public let reference: String?
    /// Index into ``Karyotype/clones`` of the clone whose abnormalities this one inherits.
    public let inheritsFrom: Int?
    /// The number of cells: 20 for `[20]`, 10 for `[cp10]`; nil when not given.
    public let cellCount: Int?
    /// True for a composite karyotype (`[cp10]`).
    public let isComposite: Bool
    /// 0 for the first part of a chimera (or any non-chimeric karyotype), 1 for the part after the
    /// first `//` (by ISCN convention the donor cells), and so on.
    public let chimeraComponent: Int

    /// The exact chromosome count, nil for a range such as `45~48`.
    public var count: Int? { chromosomeCount.count == 1 ? chromosomeCount.lowerBound : nil }

    public init(
        text: String, chromosomeCount: ClosedRange<Int>, ploidy: String?, sexChromosomes: String?,
        sexChromosomesAreConstitutional: Bool, abnormalities: [Abnormality], ownAbnormalities: [Abnormality],
        reference: String?, inheritsFrom: Int?, cellCount: Int?, isComposite: Bool, chimeraComponent: Int
    ) {
        self.text = text
        self.chromosomeCount = chromosomeCount
        self.ploidy = ploidy
        self.sexChromosomes = sexChromosomes
        self.sexChromosomesAreConstitutional = sexChromosomesAreConstitutional
        self.abnormalities = abnormalities
        self.ownAbnormalities = ownAbnormalities
        self.reference = reference
        self.inheritsFrom = inheritsFrom
        self.cellCount = cellCount
        self.isComposite = isComposite
        self.chimeraComponent = chimeraComponent
    }
}

/// One abnormality of a clone (`+8`, `t(9;22)(q34;q11.2)`, `der(22)t(9;22)(q34;q11.2)`, `+2mar`),
/// or one finding of an in situ hybridization result.
public struct Abnormality: Sendable, Equatable {
    /// The abnormality as written (`+der(22)t(9;22)(q34;q11.2)`).
    public let text: String
    /// The ISCN abbreviation: `t`, `der`, `ider`, `dic`, `idic`, `trc`, `del`, `inv`, `dup`, `trp`,
    /// `qdp`, `i`, `add`, `ins`, `r`, `hsr`, `fra`, `rob`, `tas`, `mar`, `dmin`, `inc`; `+` or `-` for
    /// a whole-chromosome gain or loss (`+8`, `-7`); for FISH findings without a rearrangement,
    /// `ish` (metaphase locus such as `22q11.2(BCRx2)`) or `nuc ish` (interphase signals).
    public let kind: String
    /// The chromosomes named: `["9", "22"]` for `t(9;22)`, `["8"]` for `+8`, `["22"]` for
    /// `der(22)t(9;22)(...)`. `"?"` stands for an unidentified chromosome.
    public let chromosomes: [String]
    /// One entry per chromosome, as written: `["q34", "q11.2"]` for `t(9;22)(q34;q11.2)`,
    /// `["q13q33"]` for `del(5)(q13q33)`. Empty when the abnormality has no breakpoints.
    public let breakpoints: [String]
    /// The bands of each entry of ``breakpoints``: `[["q13", "q33"]]` for `del(5)(q13q33)`.
    public let bands: [[String]]
    /// Written with a leading `+` (an extra copy).
    public let gain: Bool
    /// Written with a leading `-` (a lost chromosome).
    public let loss: Bool
    /// The rearrangements a derivative chromosome is made of: `[t(9;22)(q34;q11.2)]` for
    /// `der(22)t(9;22)(q34;q11.2)` and for `ider(22)(q10)t(9;22)(q34;q11.2)`.
    public let parts: [Abnormality]
    /// Copy number: `2...2` for `+2mar` or `der(22)t(9;22)(q34;q11.2)x2`, `2...20` for `2~20dmin`.
    public let copies: ClosedRange<Int>?
    /// Marked constitutional with a `c` suffix (`+21c`, `t(9;22)(q34;q11.2)c`).
    public let isConstitutional: Bool
    /// The identification itself is questioned: a `?` before or after the abnormality
    /// (`?del(5)(q13q33)`) or before a chromosome (`t(?9;22)`). A `?` inside a band (`q34?`) only
    /// questions the band and does not set this.
    public let isUncertain: Bool
    /// FISH probe signals (`(ABL1+,BCR+)`, `(ABL1,BCR)x3`, `(ABL1 con BCRx1)`); empty for
    /// conventional cytogenetics.
    public let signals: [SignalGroup]

    public init(
        text: String, kind: String, chromosomes: [String] = [], breakpoints: [String] = [],
        bands: [[String]] = [], gain: Bool = false, loss: Bool = false, parts: [Abnormality] = [],
        copies: ClosedRange<Int>? = nil, isConstitutional: Bool = false, isUncertain: Bool = false,
        signals: [SignalGroup] = []
    ) {
        self.text = text
        self.kind = kind
        self.chromosomes = chromosomes
        self.breakpoints = breakpoints
        self.bands = bands
        self.gain = gain
        self.loss = loss
        self.parts = parts
        self.copies = copies
        self.isConstitutional = isConstitutional
        self.isUncertain = isUncertain
        self.signals = signals
    }
}

/// One FISH signal within a probe group: a probe with its copy number (`ABL1x3`, `BCR+`, `HIRA-`),
/// or probes joined by `con` (connected: a fusion) or `sep` (separated), like `ABL1 con BCRx2`.
public struct ProbeSignal: Sendable, Equatable {
    public enum Relation: String, Sendable {
        case connected = "con"
        case separated = "sep"
    }

    /// The probe names (`["ABL1"]`, or `["ABL1", "BCR"]` for `ABL1 con BCR`).
    public let probes: [String]
    /// How several probes relate; nil for a single probe.
    public let relation: Relation?
    /// The copy-number notation as written (`+`, `++`, `-`, `x3`, `x1~2`); nil when not given
    /// (then the group's ``SignalGroup/multiplier`` applies, if any).
    public let copies: String?

    public init(probes: [String], relation: Relation?, copies: String?) {
        self.probes = probes
        self.relation = relation
        self.copies = copies
    }
}

/// A parenthesized group of FISH signals such as `(ABL1+,BCR+)` or `(ABL1,BCR)x3`.
public struct SignalGroup: Sendable, Equatable {
    /// The group as written.
    public let text: String
    /// The `;`-separated sections (one per chromosome in metaphase FISH), each a `,`-separated list.
    public let sections: [[ProbeSignal]]
    /// The multiplier after the group: `3...3` for `(ABL1,BCR)x3`.
    public let multiplier: ClosedRange<Int>?

    public init(text: String, sections: [[ProbeSignal]], multiplier: ClosedRange<Int>?) {
        self.text = text
        self.sections = sections
        self.multiplier = multiplier
    }
}

/// One in situ hybridization result: `ish der(22)t(9;22)(q34;q11.2)(ABL1+,BCR+)` or
/// `nuc ish(ABL1,BCR)x3(ABL1 con BCRx1)[180/200]`.
public struct ISHResult: Sendable, Equatable {
    /// The result as written, including `ish` or `nuc ish`.
    public let text: String
    /// `nuc ish` (interphase nuclei) rather than `ish` (metaphase chromosomes).
    public let isInterphase: Bool
    /// The `,`-separated findings; each carries its probe ``Abnormality/signals``.
    public let findings: [Abnormality]
    /// Cells with this result: 180 for `[180/200]` or `[180]`.
    public let cellCount: Int?
    /// Cells scored in total: 200 for `[180/200]`; nil when not given.
    public let cellsScored: Int?

    public init(text: String, isInterphase: Bool, findings: [Abnormality], cellCount: Int?, cellsScored: Int?) {
        self.text = text
        self.isInterphase = isInterphase
        self.findings = findings
        self.cellCount = cellCount
        self.cellsScored = cellsScored
    }
}

/// Why an ISCN string could not be parsed.
public struct ISCNParseError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The string that was parsed (in full; ``description`` shows at most about 80 characters of it).
    public let input: String
    /// 0-based character offset into ``input`` where the problem was found.
    public let position: Int
    /// What is wrong, without the input (a short token of it at most).
    public let message: String

    public init(input: String, position: Int, message: String) {
        self.input = input
        self.position = position
        self.message = message
    }

    /// The longest excerpt of the input a description shows.
    public static let excerptLength = 80

    public var description: String {
        "invalid ISCN karyotype at position \(position): \(message) (in \(ISCNParseError.excerpt(of: input, around: position)))"
    }

    /// The input clipped to ``excerptLength`` characters around `position`, quoted, with `…` where clipped.
    public static func excerpt(of input: String, around position: Int) -> String {
        let chars = Array(input)
        if chars.count <= excerptLength { return "\"\(input)\"" }
        let half = excerptLength / 2
        let start = max(0, min(position - half, chars.count - excerptLength))
        let end = min(chars.count, start + excerptLength)
        return "\"" + (start > 0 ? "…" : "") + String(chars[start..<end]) + (end < chars.count ? "…" : "") + "\""
    }
}
