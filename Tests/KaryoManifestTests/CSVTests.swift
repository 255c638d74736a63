import Foundation
import KaryoManifest
import Testing

@Suite("CSV reader")
struct CSVTests {
    @Test func simpleLF() {
        let r = CSV.parse("a,b,c\n1,2,3\n")
        #expect(r == [CSVRecord(line: 1, fields: ["a", "b", "c"]), CSVRecord(line: 2, fields: ["1", "2", "3"])])
    }

    @Test func crlfAndNoFinalLineEnd() {
        let r = CSV.parse("a,b\r\n1,2\r\n3,4")
        #expect(r.map(\.fields) == [["a", "b"], ["1", "2"], ["3", "4"]])
        #expect(r.map(\.line) == [1, 2, 3])
    }

    @Test func loneCarriageReturns() {
        let r = CSV.parse("a,b\r1,2\r")
        #expect(r.map(\.fields) == [["a", "b"], ["1", "2"]])
        #expect(r.map(\.line) == [1, 2])
    }

    @Test func quotedFields() {
        let text = "file,karyotype,note\n"
            + "a.png,\"46,XY,t(9;22)(q34;q11.2)\",\"he said \"\"Ph+\"\"\"\n"
            + "b.png,\"46,XX\",\"two\nlines\r\nhere\"\n"
            + "c.png,,\n"
        let r = CSV.parse(text)
        #expect(r.count == 4)
        #expect(r[1].fields == ["a.png", "46,XY,t(9;22)(q34;q11.2)", "he said \"Ph+\""])
        #expect(r[2].fields == ["b.png", "46,XX", "two\nlines\r\nhere"])
        #expect(r[2].line == 3)
        #expect(r[3].line == 6)  // the quoted line breaks count
        #expect(r[3].fields == ["c.png", "", ""])
        #expect(r.allSatisfy { $0.problem == nil })
    }

    @Test func emptyQuotedFieldAndTrailingDelimiter() {
        let r = CSV.parse("a,\"\",c,\n")
        #expect(r[0].fields == ["a", "", "c", ""])
        let atEnd = CSV.parse("a,b,")
        #expect(atEnd[0].fields == ["a", "b", ""])
    }

    @Test func blankLines() {
        let r = CSV.parse("a,b\n\n1,2\n\n\n")
        #expect(r.filter { !$0.isBlank }.map(\.fields) == [["a", "b"], ["1", "2"]])
        #expect(r.filter { !$0.isBlank }.map(\.line) == [1, 3])
        #expect(CSV.parse(",,\n")[0].isBlank)
    }

    @Test func delimiterDetection() {
        #expect(CSV.detectDelimiter(Array("file;patient_id;case_id\n1;2;3".utf8)) == UInt8(ascii: ";"))
        #expect(CSV.detectDelimiter(Array("file,patient_id;case_id\n".utf8)) == UInt8(ascii: ","))
        #expect(CSV.detectDelimiter(Array("\"a,b\";c\n".utf8)) == UInt8(ascii: ";"))  // a comma inside quotes does not count
        #expect(CSV.detectDelimiter(Array("file\tpatient_id\n".utf8)) == UInt8(ascii: "\t"))
        #expect(CSV.detectDelimiter(Array("\n\nfile;x\n".utf8)) == UInt8(ascii: ";"))
        #expect(CSV.detectDelimiter(Array("file\n".utf8)) == UInt8(ascii: ","))
        let r = CSV.parse("file;karyotype\na.png;\"46,XY,t(9;22)(q34;q11.2)\"\n")
        #expect(r[1].fields == ["a.png", "46,XY,t(9;22)(q34;q11.2)"])
    }

    @Test func unterminatedQuote() {
        let r = CSV.parse("a,b\n1,\"open\n2,3\n")
        #expect(r.count == 2)
        #expect(r[1].line == 2)
        #expect(r[1].problem?.contains("never closed") == true)
    }

    @Test func textAfterClosingQuote() {
        let r = CSV.parse("a,b\n\"x\"y,2\n3,4\n")
        #expect(r[1].problem?.contains("after a closing quote") == true)
        #expect(r[2].fields == ["3", "4"])
        #expect(r[2].problem == nil)
    }

    @Test func whitespaceAroundQuotesAndLiteralQuotes() {
        let r = CSV.parse("a, \"b,c\" ,d\nsay \"hi\",2,3\n")
        #expect(r[0].fields == ["a", "b,c", "d"])
        #expect(r[1].fields == ["say \"hi\"", "2", "3"])
        #expect(r.allSatisfy { $0.problem == nil })
    }

    @Test func utf8Content() {
        let r = CSV.parse("datei,größe\nzelle_ü.png,\"46,XX\"\n")
        #expect(r[1].fields == ["zelle_ü.png", "46,XX"])
    }
}
