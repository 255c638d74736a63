import Testing

@testable import KaryoServe

@Suite("HTML and form helpers")
struct HTMLTests {
    @Test("escaping covers the five HTML metacharacters")
    func escaping() {
        #expect(esc("<script>alert('x')</script> & \"q\"") == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;")
        #expect(esc("s-abc 9q34") == "s-abc 9q34")
        #expect(esc("<\u{301}b>") == "&lt;\u{301}b&gt;", "a combining mark does not hide the bracket")
    }

    @Test("only local paths are redirect targets")
    func localPaths() {
        #expect(isLocalPath("/queue?queue=uncertainty"))
        for bad in ["//evil.example/", "http://evil.example/", "evil", "/\\evil.example", "/a\r\nSet-Cookie: x=y", ""] {
            #expect(!isLocalPath(bad), "\(bad)")
        }
    }

    @Test("forms: percent and plus decoding, first value wins, missing values are empty")
    func forms() {
        let form = parseForm("csrf=ab12&comment=der%2822%29+seen&comment=second&empty=&flag")
        #expect(form["csrf"] == "ab12")
        #expect(form["comment"] == "der(22) seen")
        #expect(form["empty"] == "")
        #expect(form["flag"] == "")
    }

    @Test("tokens are 64 hex characters from the system generator, compared in constant time")
    func tokens() {
        let a = Secrets.randomToken(), b = Secrets.randomToken()
        #expect(Secrets.isToken(a) && Secrets.isToken(b) && a != b)
        #expect(!Secrets.isToken(a.uppercased()) || a.uppercased() == a)
        #expect(!Secrets.isToken("../" + String(a.dropFirst(3))))
        #expect(Secrets.constantTimeEqual(a, a) && !Secrets.constantTimeEqual(a, b) && !Secrets.constantTimeEqual(a, ""))
        #expect(Secrets.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
