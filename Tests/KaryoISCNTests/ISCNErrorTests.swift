import KaryoCore
import KaryoISCN
import Testing

/// A string that must not parse, where the error must point, and what it must say.
struct MalformedCase: Sendable, CustomTestStringConvertible {
    let text: String
    let position: Int
    let message: String

    init(_ text: String, _ position: Int, _ message: String) {
        self.text = text
        self.position = position
        self.message = message
    }

    var testDescription: String { text.isEmpty ? "(empty)" : text }
}

let malformedTable: [MalformedCase] = [
    MalformedCase("", 0, "empty karyotype"),
    MalformedCase("   ", 3, "only whitespace"),
    MalformedCase("46", 2, "expected ','"),
    MalformedCase("46,", 3, "empty field"),
    MalformedCase("XY", 0, "starts with the chromosome count"),
    MalformedCase("46,XY,t(9;22)(q34", 17, "never closed"),
    MalformedCase("46,XY,t(9;22", 12, "never closed"),
    MalformedCase("46,XY,t(9;22)(q34;q11.2;q22)", 24, "3 breakpoint group(s) for 2 chromosome(s)"),
    MalformedCase("46,XY,t(9;22)(q34)", 17, "1 breakpoint group(s) for 2 chromosome(s)"),
    MalformedCase("46,XY,t(9;22)", 13, "needs breakpoints"),
    MalformedCase("46,XY,t(9;22),+8", 13, "needs breakpoints"),
    MalformedCase("46,XY,t(9)(q34)", 7, "at least two chromosomes"),
    MalformedCase("46,XY,[20]", 6, "empty field"),
    MalformedCase("46,XY,t(9;22)(q34;q11.2)[x]", 25, "cell count must be a number"),
    MalformedCase("46,XY,t(9;22)(q34;q11.2)[20", 27, "never closed"),
    MalformedCase("46,XY[0]", 6, "at least 1"),
    MalformedCase("46,XY,foo(9)", 6, "unknown abnormality 'foo'"),
    MalformedCase("46,XZ", 4, "invalid sex chromosome 'Z'"),
    MalformedCase("46,YX", 3, "X chromosomes before the Y"),
    MalformedCase("146,XY", 0, "out of range"),
    MalformedCase("4,XY", 0, "out of range"),
    MalformedCase("48~46,XY", 3, "from low to high"),
    MalformedCase("46,XY,,+8", 6, "empty field"),
    MalformedCase("46,XY,t(9;22)(q34;q11.2),", 25, "empty field"),
    MalformedCase("46,XY/", 6, "another clone"),
    MalformedCase("46,XY[20]///46,XX", 11, "too many '/'"),
    MalformedCase("46,XY,t(9;23)(q34;q11)", 10, "no chromosome 23"),
    MalformedCase("46,XY,+23", 7, "no chromosome 23"),
    MalformedCase("46,XY,t(9;22)(r34;q11.2)", 14, "invalid chromosome arm 'r'"),
    MalformedCase("46,XY,t(9;22)(q341;q11.2)", 15, "too many digits"),
    MalformedCase("46,XY,t(9;22) (q34;q11.2)", 13, "unexpected space"),
    MalformedCase("46 XY", 3, "expected ','"),
    MalformedCase("46,XY;t(9;22)(q34;q11.2)", 5, "separated by ','"),
    MalformedCase("46,XY,t(9;22)(q34;q11.2)]", 24, "unexpected ']'"),
    MalformedCase("46,XY,t(9;22)(q34;q11.2)[20] normal", 29, "unexpected 'n'"),
    MalformedCase("46,XY,+Ph", 7, "unknown abnormality 'Ph'"),
    MalformedCase("46,XY,T(9;22)(q34;q11.2)", 6, "lowercase"),
    MalformedCase("46,XY,del(5q)", 11, "expected ';' or ')'"),
    MalformedCase("46,XY,t(9q+;22q-)", 9, "expected ';' or ')'"),
    MalformedCase("46,XY,8", 6, "'+' (gain) or '-' (loss)"),
    MalformedCase("46,XY,inv(16)(p13.1)", 14, "two breakpoints"),
    MalformedCase("46,XY,i(17)", 11, "needs breakpoints"),
    MalformedCase("46,XY,der(22)", 13, "needs breakpoints or the rearrangement"),
    MalformedCase("46,XY,der(22)foo(9)", 13, "'foo' cannot be part of a derivative"),
    MalformedCase("47,idem,+8", 3, "this is the first clone"),
    MalformedCase("46,XY,idem", 6, "must directly follow the chromosome count"),
    MalformedCase("46,XY[20]/47,sdl,+8[3]", 13, "no sideline precedes"),
    MalformedCase("46,XY[20]/47,sdl3,+8[3]", 13, "sideline 3"),
    MalformedCase("46,XY.arr(1-22)x2", 6, "'arr' results are not supported"),
    MalformedCase("46,XY.", 6, "expected 'ish' or 'nuc ish'"),
    MalformedCase("46,XY.ish", 9, "expected a FISH result"),
    MalformedCase("46,XY.ish der(22)t(9;22)(q34;q11.2)", 35, "expected probe signals"),
    MalformedCase("nuc ish(ABL1,BCR", 16, "never closed"),
    MalformedCase("nuc ish(ABL1,BCR)x2[200/100]", 19, "more cells with the result than cells scored"),
    MalformedCase("46,XY,t(9;22)(q34;q11.2)(ABL1+,BCR+)", 24, "unexpected '('"),
    MalformedCase("46,XY.ish t(9;22)(q34;r11)(ABL1+;BCR+)", 22, "invalid chromosome arm 'r'"),
    MalformedCase("46,XY.ish t(9;22)", 17, "needs breakpoints"),
    MalformedCase("hello world", 0, "starts with the chromosome count"),
    MalformedCase("!!!", 0, "expected the chromosome count"),
    MalformedCase("46,XY,t(9;22)(q34;q11.2)//", 26, "another clone"),
    MalformedCase("46,XY,+", 7, "expected an abnormality"),
    MalformedCase("46,XY,t(;22)(q34;q11.2)", 8, "missing chromosome"),
    MalformedCase("46,XY,t(9;22)(q34;)", 18, "missing breakpoint"),
    MalformedCase("46,XY,t(9;22)(q;q11.2)", 15, "band number"),
    MalformedCase("46,XY,+3mar3x", 12, "unexpected 'x'"),
    MalformedCase("46,XY,−7", 6, "expected an abnormality"),  // a Unicode minus sign, not '-'
]

@Suite("ISCN errors")
struct ISCNErrorTests {
    @Test(arguments: malformedTable)
    func malformed(_ c: MalformedCase) {
        do {
            let k = try ISCN.parse(c.text)
            Issue.record("parsed as \(k.normalizedText)")
        } catch {
            #expect(error.input == c.text)
            #expect(error.message.contains(c.message), "message: \(error.message)")
            #expect(error.position == c.position, "message: \(error.message)")
            #expect(error.description.contains("position \(error.position)"))
        }
    }

    @Test func hugeInputsAreClippedInMessages() {
        let long = "46,XY," + String(repeating: "+8,", count: 2000) + "foo(9)"
        do {
            _ = try ISCN.parse(long)
            Issue.record("expected an error")
        } catch {
            #expect(error.position == long.count - 6)
            #expect(error.message.count < 120)
            #expect(error.description.count < 250, "\(error.description)")
            #expect(error.description.contains("foo(9)"))
            #expect(error.description.contains("…"))
        }
        let garbage = String(repeating: "x", count: 100_000)
        do {
            _ = try ISCN.parse(garbage)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("too long"))
            #expect(error.description.count < 250)
        }
        let longToken = "46,XY," + String(repeating: "q", count: 500)
        do {
            _ = try ISCN.parse(longToken)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.count < 120, "\(error.message)")
        }
    }

    @Test func excerpt() {
        #expect(ISCNParseError.excerpt(of: "46,XY", around: 3) == "\"46,XY\"")
        let s = String(repeating: "a", count: 50) + "X" + String(repeating: "b", count: 100)
        let e = ISCNParseError.excerpt(of: s, around: 50)
        #expect(e.contains("X"))
        #expect(e.hasPrefix("\"…") && e.hasSuffix("…\""))
        #expect(e.count <= ISCNParseError.excerptLength + 4)
    }

    @Test func randomGarbageNeverCrashesAndNeverGuessesPositive() {
        var rng = SeededGenerator(seed: 922)
        let alphabet = Array("0123456789XYxy,;/()[]~?.+-tdervinsqpcmarl ishnucABLBCRcon")
        var parsed = 0
        for _ in 0..<5000 {
            let length = Int(rng.next() % 40)
            let text = String((0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            do {
                let k = try ISCN.parse(text)
                parsed += 1
                // Whatever parses must re-parse from its normalized form to the same call.
                let again = try ISCN.parse(k.normalizedText)
                #expect(again.hasT922 == k.hasT922, "\(text)")
            } catch {
                #expect(error.position >= 0 && error.position <= text.count, "\(text)")
                #expect(!error.message.isEmpty)
            }
        }
        #expect(parsed < 5000)
    }

    @Test func validKaryotypesRoundTripThroughNormalizedText() throws {
        for c in karyotypeTable {
            let k = try ISCN.parse(c.text)
            let again = try ISCN.parse(k.normalizedText)
            #expect(again.normalizedText == k.normalizedText)
            #expect(again.clones == k.clones, "\(c.text)")
            #expect(again.hasT922 == k.hasT922)
        }
    }
}
