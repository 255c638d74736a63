import KaryoCore
import KaryoISCN
import Testing

/// One real-world-style karyotype with its expected t(9;22) call and shape.
struct KaryotypeCase: Sendable, CustomTestStringConvertible {
    let text: String
    let t922: Bool
    /// Number of clones (0 for a FISH-only result).
    let clones: Int
    /// Cell count of each clone (nil where the clone gives none); nil to skip the check.
    let cells: [Int?]?
    let note: String

    init(_ text: String, _ t922: Bool, clones: Int = 1, cells: [Int?]? = nil, _ note: String = "") {
        self.text = text
        self.t922 = t922
        self.clones = clones
        self.cells = cells
        self.note = note
    }

    var testDescription: String { text }
}

/// Karyotypes in the style of CML, ALL and AML reports, normal and constitutional ones, variants,
/// masked Ph and FISH results.
let karyotypeTable: [KaryotypeCase] = [
    // Normal and constitutional.
    KaryotypeCase("46,XX", false, cells: [nil], "normal female"),
    KaryotypeCase("46,XY", false, "normal male"),
    KaryotypeCase("46,XY[20]", false, cells: [20]),
    KaryotypeCase("45,X", false, "Turner"),
    KaryotypeCase("47,XXY", false, "Klinefelter"),
    KaryotypeCase("47,XXYc,t(8;21)(q22;q22)[20]", false, cells: [20], "constitutional XXY with AML t(8;21)"),
    KaryotypeCase("47,XY,+21", false, "trisomy 21"),
    KaryotypeCase("47,XY,+21c[20]", false, cells: [20], "constitutional trisomy 21"),
    KaryotypeCase("45,XX,rob(13;14)(q10;q10)c", false, "constitutional Robertsonian"),
    KaryotypeCase("92,XXYY", false, "tetraploid"),
    KaryotypeCase("92<4n>,XXYY[3]/46,XY[17]", false, clones: 2, cells: [3, 17]),
    KaryotypeCase("46,XX[20]//46,XY[5]", false, clones: 2, cells: [20, 5], "chimera, no Ph"),
    // Other leukemia karyotypes: negative for this task.
    KaryotypeCase("45,XX,-7", false, "monosomy 7 (MDS/AML)"),
    KaryotypeCase("46,XY,del(5)(q13q33)", false, "5q- syndrome"),
    KaryotypeCase("46,XX,inv(16)(p13.1q22)", false, "AML with inv(16)"),
    KaryotypeCase("46,XY,t(8;21)(q22;q22)", false, "AML t(8;21)"),
    KaryotypeCase("46,XX,t(15;17)(q24;q21)", false, "APL"),
    KaryotypeCase("46,XY,t(4;11)(q21;q23)", false, "infant ALL KMT2A::AFF1"),
    KaryotypeCase("46,XX,t(9;11)(p22;q23)[20]", false, cells: [20], "AML KMT2A::MLLT3 (chr 9, not 22)"),
    KaryotypeCase("46,XY,t(6;9)(p23;q34)[20]", false, cells: [20], "DEK::NUP214: 9q34 without 22"),
    KaryotypeCase("46,XY,t(9;12)(q34;p13)", false, "ETV6::ABL1: ABL1 without BCR"),
    KaryotypeCase("46,XY,t(11;22)(q24;q12)", false, "Ewing: 22q12 without 9"),
    KaryotypeCase("46,XX,inv(3)(q21q26.2)", false, "AML inv(3)"),
    KaryotypeCase("46,XY,t(3;3)(q21.3;q26.2)", false),
    KaryotypeCase("46,XX,t(12;21)(p13;q22)", false, "ALL ETV6::RUNX1"),
    KaryotypeCase("45,XX,dic(9;20)(p13;q11.2)[15]/46,XX[5]", false, clones: 2, cells: [15, 5], "ALL dic(9;20)"),
    KaryotypeCase("47,XY,+8[12]/46,XY[8]", false, clones: 2, cells: [12, 8]),
    KaryotypeCase("47,XY,+mar", false),
    KaryotypeCase("48,XY,+8,+2mar[10]", false, cells: [10]),
    KaryotypeCase("46,XY,add(7)(q22)", false),
    KaryotypeCase("46,XX,der(1;7)(q10;p10)", false, "MDS der(1;7)"),
    KaryotypeCase("46,XX,dup(1)(q21q32)", false),
    KaryotypeCase("46,XY,r(18)(p11.2q23)", false),
    KaryotypeCase("46,XY,ins(5;2)(p14;q22q32)", false),
    KaryotypeCase("46,XY,i(17)(q10)", false),
    KaryotypeCase("46,XX,del(20)(q11.2q13.3)", false),
    KaryotypeCase("46,XY,del(9)(q34)", false, "9q34 deletion alone"),
    KaryotypeCase("46,XY,hsr(11)(q23)", false),
    KaryotypeCase("46,XY,2~20dmin", false, "double minutes"),
    KaryotypeCase("47,XX,+r", false, "ring of unknown origin"),
    KaryotypeCase("46,XY,fra(X)(q27.3)", false),
    KaryotypeCase("44,XY,-9,-22", false, "losses of 9 and 22 are not a translocation"),
    KaryotypeCase("46,XY,der(9;22)(p10;q10)", false, "whole-arm der(9;22): no 9q34/22q11 junction"),
    KaryotypeCase("46,XY,t(1;3)(p36;q21),inc[3]", false, cells: [3]),
    KaryotypeCase("45,XY,-7,del(5)(q13q33),+mar[cp10]", false, cells: [10]),
    KaryotypeCase("46,XY[20].nuc ish(ABL1,BCR)x2[200]", false, cells: [20], "normal dual-fusion FISH"),
    KaryotypeCase("46,XX.ish 22q11.2(BCRx2),9q34(ABL1x2)", false, "normal metaphase FISH"),
    KaryotypeCase("nuc ish(ABL1,BCR)x2[200]", false, clones: 0, "FISH only, normal"),
    // CML and Ph+ ALL: positive.
    KaryotypeCase("46,XY,t(9;22)(q34;q11.2)[20]", true, cells: [20], "classic CML"),
    KaryotypeCase("46,XX,t(9;22)(q34.1;q11.2)[18]/46,XX[2]", true, clones: 2, cells: [18, 2], "mosaic"),
    KaryotypeCase("46,XY,t(9;22)(q34;q11)", true, "older band resolution"),
    KaryotypeCase("46,XY,t(22;9)(q11.2;q34)", true, "partners in the other order"),
    KaryotypeCase("46,XY,t(9;22;11)(q34;q11.2;q13)[20]", true, cells: [20], "variant three-way"),
    KaryotypeCase("46,XY,t(1;9;22)(p36;q34;q11.2)", true, "variant three-way, 9 and 22 not first"),
    KaryotypeCase("46,XX,t(5;9;22)(q31;q34;q11.2)[20]", true, cells: [20]),
    KaryotypeCase("46,XY,t(9;22;17;19)(q34;q11.2;p13;q13.1)", true, "four-way variant"),
    KaryotypeCase("47,XY,t(9;22)(q34;q11.2),+der(22)t(9;22)(q34;q11.2)[15]", true, cells: [15], "extra Ph"),
    KaryotypeCase("47,XY,+der(22)t(9;22)(q34;q11.2)", true, "extra Ph without the balanced t written"),
    KaryotypeCase("46,XY,der(22)t(9;22)(q34;q11.2)", true, "Ph with loss of der(9)"),
    KaryotypeCase("46,XY,der(9)t(9;22)(q34;q11.2)", true, "der(9) only"),
    KaryotypeCase("46,XY,ider(22)(q10)t(9;22)(q34;q11.2)", true, "isochromosome of the Ph"),
    KaryotypeCase("46,XX,t(9;22)(q34;q11.2)[10]/47,idem,+8[5]/48,idem,+8,+19[5]", true, clones: 3, cells: [10, 5, 5], "clonal evolution with idem"),
    KaryotypeCase("46,XY,t(9;22)(q34;q11.2)[3]/46,sl,i(17)(q10)[17]", true, clones: 2, cells: [3, 17], "sl"),
    KaryotypeCase("46,XY,t(9;22)(q34;q11.2)[15]/47,sl,+8[3]/48,sdl,+19[2]", true, clones: 3, cells: [15, 3, 2], "sl and sdl"),
    KaryotypeCase("45~48,XY,t(9;22)(q34;q11.2),+8[cp10]", true, cells: [10], "composite"),
    KaryotypeCase("46~47,XY,+8,t(9;22)(q34;q11.2)[cp8]/46,XY[12]", true, clones: 2, cells: [8, 12]),
    KaryotypeCase("47,XY,t(9;22)(q34;q11.2),+8,i(17)(q10)[20]", true, cells: [20], "myeloid blast crisis"),
    KaryotypeCase("49,XY,+8,t(9;22)(q34;q11.2),+der(22)t(9;22)(q34;q11.2)x2[10]", true, cells: [10], "two extra Ph"),
    KaryotypeCase("45,XX,-7,t(9;22)(q34;q11.2)[12]/46,XX[8]", true, clones: 2, cells: [12, 8], "Ph+ ALL with -7"),
    KaryotypeCase("46,XY,t(9;22)(q34;q11.2),del(9)(q34)", true, "deletion on der(9)"),
    KaryotypeCase("46,X,-Y,t(9;22)(q34;q11.2)", true, "loss of Y"),
    KaryotypeCase("46,XX,t(9;22)(q34;q11.2),t(17;19)(p13;q13.1)?", true, "questioned second translocation"),
    KaryotypeCase("46,XY,t(9;22)(q34?;q11.2)", true, "questioned band"),
    KaryotypeCase("46,XY,t(9;22)(q34;q11.2)c", true, "constitutional marker c"),
    KaryotypeCase("46,XY,t(9;22)(q34;q11.2)[8]//46,XX[12]", true, clones: 2, cells: [8, 12], "post-transplant chimera"),
    KaryotypeCase("92<4n>,XXYY,t(9;22)(q34;q11.2)x2[3]/46,XY,t(9;22)(q34;q11.2)[17]", true, clones: 2, cells: [3, 17]),
    KaryotypeCase("46,XY,ins(22;9)(q11.2;q34q34)", true, "insertion of ABL1 next to BCR"),
    KaryotypeCase("46,XY.ish der(22)t(9;22)(q34;q11.2)(ABL1+,BCR+)", true, "metaphase FISH"),
    KaryotypeCase("46,XX.ish ins(22;9)(q11.2;q34q34)(ABL1+,BCR+)", true, "masked Ph by metaphase FISH"),
    KaryotypeCase("46,XY[20].nuc ish(ABL1x2,BCRx3)(ABL1 con BCRx1)[150/200]", true, cells: [20], "masked Ph by interphase FISH"),
    KaryotypeCase("46,XY,t(9;22)(q34;q11.2)[20].nuc ish(ABL1,BCR)x3(ABL1 con BCRx2)[196/200]", true, cells: [20]),
    KaryotypeCase("nuc ish(ABL1,BCR)x3(ABL1 con BCRx1)[200]", true, clones: 0, "FISH only"),
    KaryotypeCase("nuc ish(BCR con ABL1x2)[180/200]", true, clones: 0, "con with BCR first"),
    KaryotypeCase(" 46 , XY , t(9;22)(q34;q11.2) [20] ", true, cells: [20], "whitespace around separators"),
]

@Suite("t(9;22) table")
struct T922TableTests {
    @Test func tableIsLargeEnough() {
        #expect(karyotypeTable.count >= 40)
        #expect(karyotypeTable.contains { $0.t922 } && karyotypeTable.contains { !$0.t922 })
    }

    @Test(arguments: karyotypeTable)
    func karyotype(_ c: KaryotypeCase) throws {
        let k = try ISCN.parse(c.text)
        #expect(k.hasT922 == c.t922, "\(c.note)")
        #expect(k.t922Label == (c.t922 ? SampleLabel.positive : .negative))
        #expect(k.t922Findings.isEmpty == !c.t922)
        #expect(k.clones.count == c.clones)
        if let cells = c.cells {
            #expect(k.clones.map(\.cellCount) == cells)
        }
    }
}
