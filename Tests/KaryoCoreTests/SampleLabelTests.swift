import Foundation
import KaryoCore
import Testing

@Suite("SampleLabel and LabelSource")
struct SampleLabelTests {
    @Test(arguments: [
        ("positive", SampleLabel.positive), ("POS", .positive), (" t922 ", .positive), ("t(9;22)", .positive),
        ("Ph+", .positive), ("1", .positive), ("yes", .positive),
        ("negative", .negative), ("Neg", .negative), ("normal", .negative), ("ph-", .negative), ("0", .negative),
        ("unsure", .unsure), ("unknown", .unsure), ("?", .unsure),
    ])
    func parsesUserInput(_ input: String, _ expected: SampleLabel) {
        #expect(SampleLabel(userInput: input) == expected)
    }

    @Test(arguments: ["", "maybe", "p", "positiv", "t(8;21)"])
    func rejectsUnknownLabels(_ input: String) {
        #expect(SampleLabel(userInput: input) == nil)
    }

    @Test func trainable() {
        #expect(SampleLabel.trainable == [.negative, .positive])
        #expect(SampleLabel.positive.isTrainable && SampleLabel.negative.isTrainable)
        #expect(!SampleLabel.unsure.isTrainable)
        #expect(SampleLabel.allCases.sorted() == [.positive, .negative, .unsure])
    }

    @Test func codableRawValues() throws {
        let data = try JSONEncoder().encode([SampleLabel.positive, .unsure])
        #expect(String(decoding: data, as: UTF8.self) == #"["positive","unsure"]"#)
        let source = try JSONDecoder().decode(LabelSource.self, from: Data(#""karyotype""#.utf8))
        #expect(source == .karyotypeReport)
    }

    @Test(arguments: [
        ("karyotype", LabelSource.karyotypeReport), ("Karyotype-Report", .karyotypeReport), ("report", .karyotypeReport),
        ("ISCN", .karyotypeReport), ("FISH", .fish), ("RT-PCR", .pcr), ("qPCR", .pcr), ("review", .reviewer),
        ("reviewer", .reviewer), ("model", .model),
    ])
    func parsesSources(_ input: String, _ expected: LabelSource) {
        #expect(LabelSource(userInput: input) == expected)
    }

    @Test func rejectsUnknownSources() {
        #expect(LabelSource(userInput: "") == nil)
        #expect(LabelSource(userInput: "telepathy") == nil)
    }
}
