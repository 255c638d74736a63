import KaryoCore
import KaryoISCN
import Testing

@Suite("ISCN structure")
struct ISCNStructureTests {
    @Test func simpleClone() throws {
        let k = try ISCN.parse("46,XY,t(9;22)(q34;q11.2)[20]")
        #expect(k.clones.count == 1)
        let clone = k.clones[0]
        #expect(clone.count == 46)
        #expect(clone.chromosomeCount == 46...46)
        #expect(clone.sexChromosomes == "XY")
        #expect(clone.cellCount == 20)
        #expect(!clone.isComposite)
        #expect(clone.reference == nil && clone.inheritsFrom == nil)
        #expect(clone.abnormalities.count == 1)
        let t = clone.abnormalities[0]
        #expect(t.text == "t(9;22)(q34;q11.2)")
        #expect(t.kind == "t")
        #expect(t.chromosomes == ["9", "22"])
        #expect(t.breakpoints == ["q34", "q11.2"])
        #expect(t.bands == [["q34"], ["q11.2"]])
        #expect(!t.gain && !t.loss && !t.isConstitutional && !t.isUncertain)
        #expect(k.t922Findings == [t])
    }

    @Test func idemInheritsTheStemline() throws {
        let k = try ISCN.parse("46,XX,t(9;22)(q34;q11.2)[10]/47,idem,+8[5]/48,idem,+8,+19[5]")
        #expect(k.clones.map(\.cellCount) == [10, 5, 5])
        #expect(k.clones.map(\.reference) == [nil, "idem", "idem"])
        #expect(k.clones.map(\.inheritsFrom) == [nil, 0, 0])
        #expect(k.clones.map(\.sexChromosomes) == ["XX", "XX", "XX"])
        #expect(k.clones[1].abnormalities.map(\.text) == ["t(9;22)(q34;q11.2)", "+8"])
        #expect(k.clones[1].ownAbnormalities.map(\.text) == ["+8"])
        #expect(k.clones[2].abnormalities.map(\.text) == ["t(9;22)(q34;q11.2)", "+8", "+19"])
        #expect(k.clones[2].chromosomeCount == 48...48)
        // The stemline t(9;22) is reported once, not once per clone.
        #expect(k.t922Findings.map(\.text) == ["t(9;22)(q34;q11.2)"])
        #expect(k.clones.allSatisfy { $0.abnormalities.contains(where: \.isT922Rearrangement) })
    }

    @Test func slAndSdl() throws {
        let k = try ISCN.parse("46,XY,t(9;22)(q34;q11.2)[15]/47,sl,+8[3]/48,sdl,+19[2]/49,sdl1,+8,+21[1]")
        #expect(k.clones.map(\.inheritsFrom) == [nil, 0, 1, 1])
        #expect(k.clones[2].abnormalities.map(\.text) == ["t(9;22)(q34;q11.2)", "+8", "+19"])
        #expect(k.clones[3].abnormalities.map(\.text) == ["t(9;22)(q34;q11.2)", "+8", "+8", "+21"])
        let sl = try ISCN.parse("46,XY,t(9;22)(q34;q11.2)[3]/46,sl,i(17)(q10)[17]")
        #expect(sl.clones[1].abnormalities.map(\.kind) == ["t", "i"])
    }

    @Test func idemDoesNotCrossAChimeraBoundary() throws {
        let k = try ISCN.parse("46,XY,t(9;22)(q34;q11.2)[8]//46,XX[10]/47,idem,+8[2]")
        #expect(k.isChimera)
        #expect(k.clones.map(\.chimeraComponent) == [0, 1, 1])
        #expect(k.clones[2].inheritsFrom == 1)
        #expect(k.clones[2].abnormalities.map(\.text) == ["+8"])
        #expect(k.clones[2].sexChromosomes == "XX")
        #expect(!(try ISCN.parse("46,XY[20]")).isChimera)
    }

    @Test func compositeAndRangeCounts() throws {
        let k = try ISCN.parse("45~48,XY,t(9;22)(q34;q11.2),+8[cp10]")
        #expect(k.clones[0].chromosomeCount == 45...48)
        #expect(k.clones[0].count == nil)
        #expect(k.clones[0].isComposite)
        #expect(k.clones[0].cellCount == 10)
    }

    @Test func ploidy() throws {
        let k = try ISCN.parse("92<4n>,XXYY,t(9;22)(q34;q11.2)x2[3]")
        #expect(k.clones[0].ploidy == "<4n>")
        #expect(k.clones[0].sexChromosomes == "XXYY")
        #expect(k.clones[0].abnormalities[0].copies == 2...2)
    }

    @Test func derivativesCarryTheirParts() throws {
        let ph = try ISCN.parse("46,XY,der(22)t(9;22)(q34;q11.2)").clones[0].abnormalities[0]
        #expect(ph.kind == "der")
        #expect(ph.chromosomes == ["22"])
        #expect(ph.breakpoints.isEmpty)
        #expect(ph.parts.count == 1)
        #expect(ph.parts[0].kind == "t" && ph.parts[0].breakpoints == ["q34", "q11.2"])
        #expect(ph.isT922Rearrangement)

        let ider = try ISCN.parse("46,XY,ider(22)(q10)t(9;22)(q34;q11.2)").clones[0].abnormalities[0]
        #expect(ider.kind == "ider" && ider.breakpoints == ["q10"] && ider.parts.map(\.kind) == ["t"])

        let extra = try ISCN.parse("47,XY,t(9;22)(q34;q11.2),+der(22)t(9;22)(q34;q11.2)[15]")
        #expect(extra.clones[0].abnormalities[1].gain)
        #expect(extra.clones[0].abnormalities[1].kind == "der")
        #expect(extra.t922Findings.count == 2)

        let twoParts = try ISCN.parse("46,XY,der(9)del(9)(q34q34)t(9;22)(q34;q11.2)").clones[0].abnormalities[0]
        #expect(twoParts.parts.map(\.kind) == ["del", "t"])

        let wholeArm = try ISCN.parse("46,XX,der(1;7)(q10;p10)").clones[0].abnormalities[0]
        #expect(wholeArm.chromosomes == ["1", "7"] && wholeArm.breakpoints == ["q10", "p10"] && wholeArm.parts.isEmpty)
    }

    @Test func gainsLossesMarkers() throws {
        let k = try ISCN.parse("48,X,-Y,+8,+2mar,+mar1,2~20dmin,+r,-7c")
        let a = k.clones[0].abnormalities
        #expect(a.map(\.kind) == ["-", "+", "mar", "mar", "dmin", "r", "-"])
        #expect(a[0].loss && a[0].chromosomes == ["Y"])
        #expect(a[1].gain && a[1].chromosomes == ["8"])
        #expect(a[2].copies == 2...2 && a[2].gain)
        #expect(a[3].text == "+mar1" && a[3].copies == nil)
        #expect(a[4].copies == 2...20 && !a[4].gain)
        #expect(a[5].gain && a[5].chromosomes.isEmpty)
        #expect(a[6].isConstitutional)
    }

    @Test func breakpointBands() throws {
        let a = try ISCN.parse("46,XY,ins(5;2)(p14;q22q32),inv(16)(p13.1q22),del(7)(q22q36),del(1)(p36.3~p36.1),add(19)(p13.3?),t(9;22)(?;q11.2)").clones[0].abnormalities
        #expect(a[0].bands == [["p14"], ["q22", "q32"]])
        #expect(a[0].breakpoints == ["p14", "q22q32"])
        #expect(a[1].bands == [["p13.1", "q22"]])
        #expect(a[2].bands == [["q22", "q36"]])
        #expect(a[3].bands == [["p36.3~p36.1"]])
        #expect(a[4].bands == [["p13.3?"]])
        #expect(a[5].bands == [["?"], ["q11.2"]])
        #expect(a[5].isT922Rearrangement)
    }

    @Test func constitutionalAndUncertain() throws {
        let c = try ISCN.parse("46,XY,t(9;22)(q34;q11.2)c")
        #expect(c.clones[0].abnormalities[0].isConstitutional)
        #expect(c.isConstitutionalOnly)
        #expect(c.hasT922)
        #expect(try ISCN.parse("47,XY,+21c").isConstitutionalOnly)
        #expect(try ISCN.parse("46,XY").isConstitutionalOnly)
        #expect(!(try ISCN.parse("47,XY,+21")).isConstitutionalOnly)
        let xxy = try ISCN.parse("47,XXYc,+8")
        #expect(xxy.clones[0].sexChromosomes == "XXY" && xxy.clones[0].sexChromosomesAreConstitutional)
        #expect(!xxy.isConstitutionalOnly)

        let q = try ISCN.parse("46,XY,?t(9;22)(q34;q11.2)")
        #expect(q.hasT922 && q.t922IsUncertain)
        let q2 = try ISCN.parse("46,XY,t(?9;22)(q34;q11.2)")
        #expect(q2.clones[0].abnormalities[0].chromosomes == ["9", "22"])
        #expect(q2.t922IsUncertain)
        let trailing = try ISCN.parse("46,XX,t(9;22)(q34;q11.2),t(17;19)(p13;q13.1)?")
        #expect(trailing.clones[0].abnormalities.map(\.isUncertain) == [false, true])
        #expect(!trailing.t922IsUncertain)
        #expect(!(try ISCN.parse("46,XY,t(9;22)(q34?;q11.2)")).t922IsUncertain)
    }

    @Test func lossOfPhDoesNotCount() throws {
        let k = try ISCN.parse("45,XY,-der(22)t(9;22)(q34;q11.2)")
        #expect(!k.hasT922)
    }

    @Test func whitespaceIsNormalized() throws {
        let k = try ISCN.parse("  46 , XY , t(9;22)(q34;q11.2) [20] / 46 ,XY [5]\t")
        #expect(k.text == "46 , XY , t(9;22)(q34;q11.2) [20] / 46 ,XY [5]")
        #expect(k.normalizedText == "46,XY,t(9;22)(q34;q11.2)[20]/46,XY[5]")
        #expect(k.clones.map(\.text) == ["46,XY,t(9;22)(q34;q11.2)[20]", "46,XY[5]"])
    }

    @Test func sexChromosomesMayBeOmittedBeforeAnAbnormality() throws {
        let k = try ISCN.parse("46,t(9;22)(q34;q11.2)")
        #expect(k.clones[0].sexChromosomes == nil)
        #expect(k.hasT922)
    }

    @Test func lowercaseSexChromosomesAreRejected() {
        for text in ["46,xy", "46,xx", "46,Xy", "47,xxy,+8"] {
            #expect(throws: ISCNParseError.self) { try ISCN.parse(text) }
        }
        do {
            _ = try ISCN.parse("46,xy")
            Issue.record("expected an error")
        } catch {
            #expect(error.position == 3)
            #expect(error.message.contains("uppercase"))
        }
    }

    @Test func metaphaseFISH() throws {
        let k = try ISCN.parse("46,XY.ish der(22)t(9;22)(q34;q11.2)(ABL1+,BCR+)")
        #expect(k.clones.count == 1)
        #expect(k.ish.count == 1)
        let r = k.ish[0]
        #expect(!r.isInterphase)
        #expect(r.text == "ish der(22)t(9;22)(q34;q11.2)(ABL1+,BCR+)")
        #expect(r.findings.count == 1)
        let f = r.findings[0]
        #expect(f.kind == "der" && f.parts.map(\.kind) == ["t"])
        #expect(f.signals.count == 1)
        #expect(f.signals[0].sections == [[
            ProbeSignal(probes: ["ABL1"], relation: nil, copies: "+"),
            ProbeSignal(probes: ["BCR"], relation: nil, copies: "+"),
        ]])
        #expect(k.t922Findings == [f])
        #expect(k.normalizedText == "46,XY.ish der(22)t(9;22)(q34;q11.2)(ABL1+,BCR+)")
    }

    @Test func interphaseFISH() throws {
        let k = try ISCN.parse("nuc ish(ABL1,BCR)x3(ABL1 con BCRx1)[180/200]")
        #expect(k.clones.isEmpty)
        let r = k.ish[0]
        #expect(r.isInterphase)
        #expect(r.cellCount == 180 && r.cellsScored == 200)
        let groups = r.findings[0].signals
        #expect(groups.count == 2)
        #expect(groups[0].multiplier == 3...3)
        #expect(groups[0].sections == [[ProbeSignal(probes: ["ABL1"], relation: nil, copies: nil), ProbeSignal(probes: ["BCR"], relation: nil, copies: nil)]])
        #expect(groups[1].sections == [[ProbeSignal(probes: ["ABL1", "BCR"], relation: .connected, copies: "x1")]])
        #expect(k.hasT922)
    }

    @Test(arguments: [
        ("nuc ish(ABL1,BCR)x2[200]", false),
        ("nuc ish(ABL1,BCR)x3[200]", false),  // extra copies without a fusion
        ("nuc ish(ABL1,BCR)x2(ABL1 con BCRx0)[200]", false),
        ("nuc ish(ABL1 sep BCRx2)[200]", false),
        ("nuc ish(ABL con BCRx2)[200]", true),  // the older gene symbol ABL
        ("nuc ish(BCR::ABL1x2)[200]", true),
        ("nuc ish 9q34(ABL1x3),22q11.2(BCRx3)(ABL1 con BCRx2)[200]", true),
        ("nuc ish(ABL1,BCR)x3(ABL1 con BCRx2)[89/200]/(ABL1,BCR)x2[111/200]", true),
        ("ish 22q11.2(BCR+,ABL1+)", true),  // ABL1 on 22q11.2: a fusion
        ("ish (ABL1,BCR)x2", false),  // no chromosome named: no co-location
        ("ish del(22)(q11.2q11.2)(HIRA-)", false),
        ("ish t(9;22)(q34;q11.2)(ABL1+;BCR+)", true),
        ("ish t(9;22)(ABL1+;BCR+)", true),  // breakpoints given in the karyotype only
        ("ish der(22)(BCR+,ABL1+)", true),  // probes show the fusion on the der(22)
        ("ish der(9)(ABL1+,BCR-)", false),
        ("ish t(8;21)(RUNX1T1+;RUNX1+)", false),
    ])
    func fishCalls(_ text: String, _ positive: Bool) throws {
        #expect(try ISCN.parse(text).hasT922 == positive)
    }

    @Test func fishPopulations() throws {
        let k = try ISCN.parse("46,XX[20].nuc ish(ABL1,BCR)x3(ABL1 con BCRx2)[89/200]/(ABL1,BCR)x2[111/200]")
        #expect(k.ish.count == 2)
        #expect(k.ish.map(\.cellCount) == [89, 111])
        #expect(k.normalizedText == "46,XX[20].nuc ish(ABL1,BCR)x3(ABL1 con BCRx2)[89/200]/(ABL1,BCR)x2[111/200]")
    }

    @Test func t922LabelUsesSampleLabel() throws {
        #expect(try ISCN.parse("46,XY,t(9;22)(q34;q11.2)").t922Label == .positive)
        #expect(try ISCN.parse("46,XY,t(8;21)(q22;q22)").t922Label == .negative)
    }
}
