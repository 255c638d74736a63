/// Deriving the t(9;22) (Philadelphia chromosome, BCR::ABL1) label from a parsed karyotype.
import KaryoCore

extension Karyotype {
    /// True when any clone carries t(9;22) in any form, or a FISH result shows a BCR::ABL1 fusion.
    ///
    /// Counted as t(9;22):
    /// - a translocation naming both 9 and 22, whatever the breakpoints and the other partners:
    ///   `t(9;22)(q34;q11.2)`, `t(22;9)`, `t(9;22;11)`, `t(1;9;22)`;
    /// - such a translocation inside a derivative: `der(22)t(9;22)`, `der(9)t(9;22)`,
    ///   `+der(22)t(9;22)`, `ider(22)(q10)t(9;22)`;
    /// - an insertion, derivative or dicentric of 9 and 22 joining 9q34 (ABL1) and 22q11 (BCR):
    ///   `ins(22;9)(q11.2;q34q34)`, `der(9;22)(q34;q11.2)` (the masked Ph seen by banding);
    /// - FISH: `con` of ABL1 (or ABL) with BCR with at least one signal (`nuc ish(ABL1,BCR)x3(ABL1 con BCRx1)`),
    ///   a probe named `BCR::ABL1`, or, in metaphase FISH on a rearranged chromosome or locus, ABL1 and BCR
    ///   both present in one `;`-section (`ish ins(22;9)(q11.2;q34q34)(ABL1+,BCR+)`).
    ///
    /// Inherited `idem`/`sl` abnormalities count once. A lost chromosome (`-der(22)t(9;22)(...)`)
    /// does not count. A constitutional (`c`) or questioned (`?`) t(9;22) does count; see
    /// ``t922IsUncertain``.
    public var hasT922: Bool { !t922Findings.isEmpty }

    /// `.positive` when ``hasT922``, else `.negative` (any other abnormality is negative for this task).
    public var t922Label: SampleLabel { hasT922 ? .positive : .negative }

    /// The abnormalities and FISH findings that make the karyotype t(9;22)-positive, in order,
    /// without repeats (a stemline abnormality inherited by `idem` clones is listed once).
    public var t922Findings: [Abnormality] {
        var found: [Abnormality] = []
        for clone in clones {
            for abnormality in clone.ownAbnormalities where !abnormality.loss && abnormality.isT922Rearrangement {
                if !found.contains(abnormality) { found.append(abnormality) }
            }
        }
        for result in ish {
            for finding in result.findings where !finding.loss {
                if finding.isT922Rearrangement || finding.showsBCRABL1Fusion(metaphase: !result.isInterphase) {
                    if !found.contains(finding) { found.append(finding) }
                }
            }
        }
        return found
    }

    /// True when t(9;22) was found only in questioned abnormalities (`?t(9;22)(q34;q11.2)`,
    /// `t(?9;22)(q34;q11.2)`). A reviewer may want to confirm such samples.
    public var t922IsUncertain: Bool {
        let findings = t922Findings
        return !findings.isEmpty && findings.allSatisfy(\.isUncertain)
    }
}

extension Abnormality {
    /// True when this rearrangement (or one it is made of) is a t(9;22) in the sense of
    /// ``Karyotype/hasT922``. FISH signals are not considered here.
    public var isT922Rearrangement: Bool {
        let names = chromosomes
        switch kind {
        case "t":
            if names.contains("9") && names.contains("22") { return true }
        case "ins", "der", "dic":
            if names.count == 2, let i9 = names.firstIndex(of: "9"), let i22 = names.firstIndex(of: "22"),
                bands.count == 2,
                bands[i9].contains(where: { Self.band($0, isIn: "q34") }),
                bands[i22].contains(where: { Self.band($0, isIn: "q11") })
            {
                return true
            }
        default:
            break
        }
        return parts.contains { $0.isT922Rearrangement }
    }

    /// True when the FISH signals show a BCR::ABL1 fusion. `metaphase` enables the co-location rule
    /// (ABL1 and BCR present in one `;`-section of a rearranged chromosome or a locus).
    public func showsBCRABL1Fusion(metaphase: Bool) -> Bool {
        let colocationApplies = metaphase && !chromosomes.isEmpty
        for group in signals {
            for section in group.sections {
                var ablPresent = false
                var bcrPresent = false
                for signal in section {
                    let present = Self.isPresent(signal.copies, multiplier: group.multiplier)
                    guard present else { continue }
                    if signal.relation == .connected,
                        signal.probes.contains(where: Self.isABL1), signal.probes.contains(where: Self.isBCR)
                    {
                        return true
                    }
                    if signal.probes.contains(where: Self.isFusionProbe) { return true }
                    if signal.probes.count == 1 {
                        if Self.isABL1(signal.probes[0]) { ablPresent = true }
                        if Self.isBCR(signal.probes[0]) { bcrPresent = true }
                    }
                }
                if colocationApplies && ablPresent && bcrPresent { return true }
            }
        }
        return false
    }

    static func isABL1(_ probe: String) -> Bool { probe == "ABL1" || probe == "ABL" }
    static func isBCR(_ probe: String) -> Bool { probe == "BCR" }

    /// `BCR::ABL1` or `ABL1::BCR`.
    static func isFusionProbe(_ probe: String) -> Bool {
        let parts = probe.components(separatedBy: "::")
        guard parts.count == 2 else { return false }
        return (isBCR(parts[0]) && isABL1(parts[1])) || (isABL1(parts[0]) && isBCR(parts[1]))
    }

    /// Whether a signal notation means at least one signal: `+`, `x1` or more, or nothing written
    /// (then the group multiplier decides, and no multiplier means present).
    static func isPresent(_ copies: String?, multiplier: ClosedRange<Int>?) -> Bool {
        guard let copies else { return (multiplier?.lowerBound ?? 1) >= 1 }
        if copies.hasPrefix("+") { return true }
        if copies.hasPrefix("-") { return false }
        if copies.hasPrefix("x") {
            let digits = copies.dropFirst().prefix { $0.isNumber }
            return (Int(digits) ?? 0) >= 1
        }
        return false
    }

    /// Whether a band such as `q34.1`, `q34?` or `?q34` lies in `region` (`q34`).
    static func band(_ band: String, isIn region: String) -> Bool {
        var b = Substring(band)
        if b.hasPrefix("?") { b = b.dropFirst() }
        guard b.hasPrefix(region) else { return false }
        let rest = b.dropFirst(region.count)
        guard let next = rest.first else { return true }
        return !(next.isASCII && next.isNumber)
    }
}
