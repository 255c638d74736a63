import KaryoCore
import KaryoServe
import KaryoStore
import Testing

@Suite("Cohen's kappa")
struct AgreementTests {
    func pairs(_ counts: [((SampleLabel, SampleLabel), Int)]) -> [(SampleLabel, SampleLabel)] {
        counts.flatMap { Array(repeating: $0.0, count: $0.1) }
    }

    @Test("the textbook 2x2 example: po 0.7, pe 0.5, kappa 0.4")
    func textbook() throws {
        // 50 items: both yes 20, A yes/B no 5, A no/B yes 10, both no 15.
        let k = try #require(
            Agreement.cohensKappa(
                pairs([((.positive, .positive), 20), ((.positive, .negative), 5), ((.negative, .positive), 10), ((.negative, .negative), 15)])))
        #expect(abs(k.observed - 0.7) < 1e-12)
        #expect(abs(k.expected - 0.5) < 1e-12)
        #expect(abs(k.kappa! - 0.4) < 1e-12)
    }

    @Test("three categories computed by hand")
    func threeCategories() throws {
        // A\B      pos neg uns | rows
        // pos       4   1   0  |  5
        // neg       1   3   1  |  5
        // uns       0   0   2  |  2      n = 12, po = 9/12 = 0.75
        // cols      5   4   3
        // pe = (5*5 + 5*4 + 2*3) / 144 = 51/144; kappa = (0.75 - 51/144) / (1 - 51/144) = 57/93
        let k = try #require(
            Agreement.cohensKappa(
                pairs([
                    ((.positive, .positive), 4), ((.positive, .negative), 1), ((.negative, .positive), 1),
                    ((.negative, .negative), 3), ((.negative, .unsure), 1), ((.unsure, .unsure), 2),
                ])))
        #expect(abs(k.observed - 0.75) < 1e-12)
        #expect(abs(k.expected - 51.0 / 144.0) < 1e-12)
        #expect(abs(k.kappa! - 57.0 / 93.0) < 1e-12)
    }

    @Test("perfect agreement is 1, systematic disagreement is negative, one shared call is undefined")
    func edges() throws {
        #expect(Agreement.cohensKappa(pairs([((.positive, .positive), 3), ((.negative, .negative), 2)]))?.kappa == 1)
        let opposite = try #require(Agreement.cohensKappa(pairs([((.positive, .negative), 3), ((.negative, .positive), 3)])))
        #expect(abs(opposite.kappa! - -1) < 1e-12)
        #expect(Agreement.cohensKappa(pairs([((.negative, .negative), 4)]))?.kappa == nil)
        #expect(Agreement.cohensKappa([]) == nil)
    }

    @Test("per pair: readers are grouped and tabulated")
    func perPair() {
        let reads = [
            ReadPair(readingID: 1, readerA: "a", readerB: "b", decisionA: .positive, decisionB: .positive),
            ReadPair(readingID: 2, readerA: "a", readerB: "b", decisionA: .negative, decisionB: .positive),
            ReadPair(readingID: 3, readerA: "a", readerB: "c", decisionA: .negative, decisionB: .negative),
        ]
        let result = Agreement.perPair(reads)
        #expect(result.map { "\($0.readerA)-\($0.readerB)" } == ["a-b", "a-c"])
        #expect(result[0].count == 2 && result[0].table[0][0] == 1 && result[0].table[1][0] == 1)
        #expect(result[0].observed == 0.5)
    }
}
