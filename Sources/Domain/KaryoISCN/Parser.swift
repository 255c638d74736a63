/// A strict recursive-descent parser for ISCN karyotype strings.
///
/// What it accepts (see ``ISCN/parse(_:)`` for the summary):
/// - clones `count[~count][<Nn>],sex[,abnormality]*[cells]` separated by `/` or `//`;
/// - `idem`, `sl`, `sdl`, `sdlN` as the first field after the count;
/// - whole-chromosome gains and losses, markers (`+mar`, `+2mar`, `+mar1`), `dmin`, `inc`, rings of
///   unknown origin (`+r`) and the structural rearrangements in ``ISCNParser/structuralKinds``, with
///   `?` and `~` in breakpoints, a `c` (constitutional) or `x2` (copies) suffix;
/// - `.ish` and `.nuc ish` results.
/// Whitespace is allowed only around `,`, `/`, `//`, `.`, before `[`, after `ish`, around `con`/`sep`
/// in probe signals, and at both ends. The notation is case-sensitive.
struct ISCNParser {
    /// Longest input accepted (characters). Real karyotypes are well below this.
    static let maximumLength = 8192

    /// Every structural rearrangement this parser knows.
    static let structuralKinds: Set<String> = [
        "t", "der", "ider", "dic", "idic", "trc", "del", "inv", "dup", "trp", "qdp", "i", "add", "ins",
        "r", "hsr", "fra", "rob", "tas",
    ]
    /// Kinds that may be followed by the rearrangements they are made of (`der(22)t(9;22)(...)`).
    static let derivativeKinds: Set<String> = ["der", "ider", "dic", "idic", "trc"]

    let input: String
    let chars: [Character]
    var pos = 0

    init(_ input: String) {
        self.input = input
        self.chars = Array(input)
    }

    // MARK: - Cursor helpers

    var atEnd: Bool { pos >= chars.count }

    func peek(_ offset: Int = 0) -> Character? {
        let index = pos + offset
        return index >= 0 && index < chars.count ? chars[index] : nil
    }

    func fail(_ message: String, at position: Int? = nil) -> ISCNParseError {
        ISCNParseError(input: input, position: position ?? pos, message: message)
    }

    func slice(_ from: Int, _ to: Int) -> String { String(chars[from..<to]) }

    /// How a character is shown in a message.
    func show(_ ch: Character?) -> String {
        guard let ch else { return "end of input" }
        if ch == " " { return "a space" }
        if ch.isWhitespace { return "whitespace" }
        return "'\(ch)'"
    }

    /// A token of the input for a message, clipped so messages stay short.
    static func token(_ s: String) -> String {
        s.count > 20 ? String(s.prefix(20)) + "…" : s
    }

    mutating func skipSpaces() {
        while let ch = peek(), ch.isWhitespace { pos += 1 }
    }

    static func isDigit(_ ch: Character?) -> Bool {
        guard let ch else { return false }
        return ch.isASCII && ch.isNumber
    }

    static func isLower(_ ch: Character?) -> Bool {
        guard let ch else { return false }
        return ch.isASCII && ch.isLowercase
    }

    /// Characters that end a field of a clone.
    static func endsField(_ ch: Character?) -> Bool {
        guard let ch else { return true }
        return ch == "," || ch == "/" || ch == "[" || ch == "." || ch.isWhitespace
    }

    mutating func readDigits(max: Int = 9) -> String {
        let start = pos
        while Self.isDigit(peek()), pos - start < max { pos += 1 }
        return slice(start, pos)
    }

    mutating func readLowercase() -> String {
        let start = pos
        while Self.isLower(peek()) { pos += 1 }
        return slice(start, pos)
    }

    /// Consumes `word` when it appears here and is not followed by another lowercase letter.
    mutating func matchWord(_ word: String) -> Bool {
        let w = Array(word)
        guard pos + w.count <= chars.count, Array(chars[pos..<(pos + w.count)]) == w else { return false }
        if Self.isLower(peek(w.count)) { return false }
        pos += w.count
        return true
    }

    /// Reads a positive integer of at most `maxDigits` digits.
    mutating func readInt(maxDigits: Int = 6, what: String) throws(ISCNParseError) -> Int {
        let start = pos
        let digits = readDigits(max: maxDigits + 1)
        guard !digits.isEmpty else { throw fail("expected \(what)") }
        guard digits.count <= maxDigits, let value = Int(digits) else {
            throw fail("\(what) '\(Self.token(digits))' is too large", at: start)
        }
        return value
    }

    // MARK: - Karyotype

    mutating func parseKaryotype() throws(ISCNParseError) -> Karyotype {
        guard chars.count <= Self.maximumLength else {
            throw fail("karyotype is too long (\(chars.count) characters; at most \(Self.maximumLength))", at: Self.maximumLength)
        }
        skipSpaces()
        guard !atEnd else {
            throw fail(chars.isEmpty ? "empty karyotype" : "karyotype contains only whitespace")
        }
        var clones: [Clone] = []
        var ish: [ISHResult] = []
        var normalizedParts: [String] = []
        if startsTechnique() {
            normalizedParts.append(try parseTechnique(into: &ish))
        } else {
            normalizedParts.append(try parseClones(into: &clones))
        }
        skipSpaces()
        while peek() == "." {
            pos += 1
            skipSpaces()
            guard !atEnd else { throw fail("expected 'ish' or 'nuc ish' after '.'") }
            normalizedParts.append(try parseTechnique(into: &ish))
            skipSpaces()
        }
        if let ch = peek() {
            throw fail("unexpected \(show(ch))")
        }
        let trimmed = String(chars[firstNonSpace()..<lastNonSpaceEnd()])
        return Karyotype(text: trimmed, normalizedText: normalizedParts.joined(separator: "."), clones: clones, ish: ish)
    }

    func firstNonSpace() -> Int {
        var i = 0
        while i < chars.count, chars[i].isWhitespace { i += 1 }
        return i
    }

    func lastNonSpaceEnd() -> Int {
        var i = chars.count
        while i > 0, chars[i - 1].isWhitespace { i -= 1 }
        return i
    }

    func startsTechnique() -> Bool {
        var copy = self
        return copy.matchWord("ish") || copy.matchWord("nuc")
    }

    // MARK: - Clones

    /// Parses `clone ('/' clone | '//' clone)*`; returns the normalized text.
    mutating func parseClones(into clones: inout [Clone]) throws(ISCNParseError) -> String {
        var component = 0
        var componentStart = 0
        var normalized = ""
        while true {
            let clone = try parseClone(existing: clones, componentStart: componentStart, component: component)
            clones.append(clone)
            normalized += clone.text
            skipSpaces()
            guard peek() == "/" else { break }
            if peek(1) == "/" {
                pos += 2
                component += 1
                componentStart = clones.count
                normalized += "//"
                if peek() == "/" { throw fail("too many '/': use '/' between clones or '//' for a chimera") }
            } else {
                pos += 1
                normalized += "/"
            }
            skipSpaces()
            if atEnd || peek() == "/" || peek() == "." {
                throw fail("expected another clone after '/'")
            }
        }
        return normalized
    }

    mutating func parseChromosomeCount() throws(ISCNParseError) -> Int {
        let start = pos
        let digits = readDigits(max: 4)
        guard !digits.hasPrefix("0") else { throw fail("a chromosome count has no leading zero", at: start) }
        guard let value = Int(digits), ISCN.chromosomeCountRange.contains(value) else {
            throw fail(
                "chromosome count \(Self.token(digits)) is out of range (\(ISCN.chromosomeCountRange.lowerBound)-\(ISCN.chromosomeCountRange.upperBound))",
                at: start)
        }
        return value
    }

    mutating func parseClone(existing clones: [Clone], componentStart: Int, component: Int) throws(ISCNParseError) -> Clone {
        guard Self.isDigit(peek()) else {
            if let ch = peek(), ch.isLetter {
                throw fail("a clone starts with the chromosome count, e.g. 46,XY; found \(show(ch))")
            }
            throw fail("expected the chromosome count (e.g. 46), found \(show(peek()))")
        }
        let low = try parseChromosomeCount()
        var high = low
        if peek() == "~" {
            pos += 1
            guard Self.isDigit(peek()) else { throw fail("expected a chromosome count after '~' (e.g. 45~48)") }
            let rangeStart = pos
            high = try parseChromosomeCount()
            guard high > low else { throw fail("chromosome count range \(low)~\(high) must go from low to high", at: rangeStart) }
        }
        var ploidy: String? = nil
        if peek() == "<" {
            let start = pos
            pos += 1
            let digits = readDigits(max: 1)
            guard !digits.isEmpty, digits != "0", peek() == "n", peek(1) == ">" else {
                throw fail("expected a ploidy level such as <2n> or <4n>", at: start)
            }
            pos += 2
            ploidy = slice(start, pos)
        }
        skipSpaces()
        guard peek() == "," else {
            if atEnd || peek() == "/" || peek() == "." || peek() == "[" {
                throw fail("expected ',' and the sex chromosomes after the chromosome count (e.g. 46,XY)")
            }
            throw fail("unexpected \(show(peek())) after the chromosome count; expected ','")
        }

        var sex: String? = nil
        var sexConstitutional = false
        var reference: String? = nil
        var referencePosition = 0
        var own: [Abnormality] = []
        var fields: [String] = []
        while peek() == "," {
            pos += 1
            skipSpaces()
            let fieldStart = pos
            guard let ch = peek(), !Self.endsField(ch) else {
                throw fail("empty field: expected sex chromosomes or an abnormality after ','")
            }
            if fields.isEmpty, let ref = parseReference() {
                reference = ref
                referencePosition = fieldStart
            } else if ch == "X" || ch == "Y" || ch == "x" || ch == "y" {
                guard fields.isEmpty else {
                    throw fail("sex chromosomes must directly follow the chromosome count")
                }
                (sex, sexConstitutional) = try parseSexChromosomes()
            } else {
                own.append(try parseAbnormality(ish: false))
            }
            fields.append(slice(fieldStart, pos))
            let afterField = pos
            skipSpaces()
            if let next = peek(), next != ",", next != "/", next != "[", next != "." {
                if next == "(" {
                    throw fail("unexpected '('" + (afterField < pos ? " after a space" : ""))
                }
                throw fail("unexpected \(show(next)); abnormalities are separated by ','", at: afterField < pos ? afterField : pos)
            }
        }

        var cellCount: Int? = nil
        var composite = false
        var cellText = ""
        if peek() == "[" {
            let start = pos
            pos += 1
            if peek() == "c" && peek(1) == "p" {
                composite = true
                pos += 2
            }
            guard Self.isDigit(peek()) else {
                throw fail("the cell count must be a number, e.g. [20] or [cp10]")
            }
            let n = try readInt(maxDigits: 6, what: "cell count")
            guard n >= 1 else { throw fail("the cell count must be at least 1", at: start + 1) }
            guard peek() == "]" else {
                throw fail(atEnd ? "'[' at position \(start) is never closed" : "expected ']' to close the cell count")
            }
            pos += 1
            cellCount = n
            cellText = slice(start, pos)
        }

        // Resolve idem/sl/sdl.
        var base: Int? = nil
        if let ref = reference {
            let indexInComponent = clones.count - componentStart
            guard indexInComponent > 0 else {
                throw fail("'\(ref)' refers to the stemline, but this is the first clone", at: referencePosition)
            }
            switch ref {
            case "idem", "sl":
                base = componentStart
            case "sdl":
                guard indexInComponent >= 2 else {
                    throw fail("'sdl' refers to the preceding sideline, but no sideline precedes this clone", at: referencePosition)
                }
                base = clones.count - 1
            default:
                let n = Int(ref.dropFirst(3)) ?? 0
                guard n >= 1, n < indexInComponent else {
                    throw fail("'\(ref)' refers to sideline \(n), which is not listed before this clone", at: referencePosition)
                }
                base = componentStart + n
            }
        }
        let inherited = base.map { clones[$0].abnormalities } ?? []
        if sex == nil, let base {
            sex = clones[base].sexChromosomes
            sexConstitutional = clones[base].sexChromosomesAreConstitutional
        }
        let text = countTextNormalized(low: low, high: high, ploidy: ploidy) + "," + fields.joined(separator: ",") + cellText
        return Clone(
            text: text, chromosomeCount: low...high, ploidy: ploidy, sexChromosomes: sex,
            sexChromosomesAreConstitutional: sexConstitutional, abnormalities: inherited + own,
            ownAbnormalities: own, reference: reference, inheritsFrom: base, cellCount: cellCount,
            isComposite: composite, chimeraComponent: component)
    }

    func countTextNormalized(low: Int, high: Int, ploidy: String?) -> String {
        (low == high ? "\(low)" : "\(low)~\(high)") + (ploidy ?? "")
    }

    /// `idem`, `sl`, `sdl`, `sdl1`, ... followed by the end of the field.
    mutating func parseReference() -> String? {
        let start = pos
        var word = readLowercase()
        if word == "sdl" { word += readDigits(max: 2) }
        if ["idem", "sl", "sdl"].contains(word) || (word.hasPrefix("sdl") && word.count > 3), Self.endsField(peek()) {
            return word
        }
        pos = start
        return nil
    }

    mutating func parseSexChromosomes() throws(ISCNParseError) -> (String, Bool) {
        let start = pos
        while let ch = peek(), ch.isLetter { pos += 1 }
        var word = slice(start, pos)
        var constitutional = false
        if word.count > 1, word.hasSuffix("c") {
            constitutional = true
            word.removeLast()
        }
        if word.allSatisfy({ "XYxy".contains($0) }) && word.contains(where: { $0 == "x" || $0 == "y" }) {
            throw fail("sex chromosomes must be written in uppercase (\(Self.token(word.uppercased()))); ISCN is case-sensitive", at: start)
        }
        if let bad = word.firstIndex(where: { $0 != "X" && $0 != "Y" }) {
            let offset = word.distance(from: word.startIndex, to: bad)
            throw fail("invalid sex chromosome '\(word[bad])' in '\(Self.token(word))': only X and Y are allowed", at: start + offset)
        }
        if let y = word.firstIndex(of: "Y"), word[y...].contains("X") {
            throw fail("list the X chromosomes before the Y chromosomes (e.g. XXY), found '\(Self.token(word))'", at: start)
        }
        if word.count > 8 {
            throw fail("too many sex chromosomes ('\(Self.token(word))')", at: start)
        }
        return (word, constitutional)
    }

    // MARK: - Abnormalities

    /// Parses one abnormality. In ISH context, a derivative chromosome may be followed directly by
    /// probe signals instead of breakpoints.
    mutating func parseAbnormality(ish: Bool) throws(ISCNParseError) -> Abnormality {
        let start = pos
        var uncertain = false
        if peek() == "?" {
            uncertain = true
            pos += 1
        }
        var gain = false
        var loss = false
        if peek() == "+" || peek() == "-" {
            gain = peek() == "+"
            loss = !gain
            pos += 1
        }
        var copies: ClosedRange<Int>? = nil
        var core: Abnormality

        if Self.isDigit(peek()) {
            let numberStart = pos
            let low = try readInt(maxDigits: 3, what: "number")
            var high = low
            if peek() == "~" && Self.isDigit(peek(1)) {
                pos += 1
                high = try readInt(maxDigits: 3, what: "number")
            }
            let constitutionalSuffix = peek() == "c" && (Self.endsField(peek(1)) || peek(1) == "?")
            let multiplierSuffix = peek() == "x" && Self.isDigit(peek(1))
            if Self.isLower(peek()) && !constitutionalSuffix && !multiplierSuffix {
                // A copy-number prefix: +2mar, 2~20dmin, +2r.
                let wordStart = pos
                let word = readLowercase()
                guard ["mar", "dmin", "r"].contains(word) else {
                    throw fail("a copy number before '\(Self.token(word))' is not allowed (only with mar, dmin or r)", at: wordStart)
                }
                guard low >= 1, high >= low else {
                    throw fail("invalid copy number range \(low)~\(high)", at: numberStart)
                }
                copies = low...high
                core = try parseKeyword(word, at: wordStart, start: start, ish: ish, signed: gain || loss)
            } else {
                guard gain || loss else {
                    throw fail("a chromosome number must be written with '+' (gain) or '-' (loss), e.g. +8", at: numberStart)
                }
                guard low == high else {
                    throw fail("a whole-chromosome gain or loss names one chromosome", at: numberStart)
                }
                guard (1...22).contains(low) else {
                    throw fail("no chromosome \(low): autosomes are 1-22, sex chromosomes X and Y", at: numberStart)
                }
                core = Abnormality(text: "", kind: gain ? "+" : "-", chromosomes: [String(low)])
            }
        } else if let ch = peek(), ch == "X" || ch == "Y", gain || loss {
            pos += 1
            core = Abnormality(text: "", kind: gain ? "+" : "-", chromosomes: [String(ch)])
        } else if Self.isLower(peek()) {
            let wordStart = pos
            let word = readLowercase()
            core = try parseKeyword(word, at: wordStart, start: start, ish: ish, signed: gain || loss)
        } else if let ch = peek(), ch.isLetter {
            let wordStart = pos
            while let c = peek(), c.isLetter || Self.isDigit(c) { pos += 1 }
            let word = slice(wordStart, pos)
            throw fail("unknown abnormality '\(Self.token(word))'; ISCN abbreviations are lowercase (t, der, del, inv, ...) and chromosomes 1-22, X, Y", at: wordStart)
        } else {
            throw fail(atEnd ? "expected an abnormality, found end of input" : "expected an abnormality, found \(show(peek()))")
        }

        // Suffixes: copies (x2), constitutional (c), questioned (?).
        if peek() == "x" && Self.isDigit(peek(1)) {
            let mulStart = pos
            pos += 1
            let n = try readInt(maxDigits: 3, what: "copy number")
            guard copies == nil else { throw fail("copy number given twice", at: mulStart) }
            guard n >= 1 else { throw fail("a copy number must be at least 1", at: mulStart) }
            copies = n...n
        }
        var constitutional = false
        if peek() == "c" && (Self.endsField(peek(1)) || peek(1) == "?" || (ish && peek(1) == "(")) {
            constitutional = true
            pos += 1
        }
        if peek() == "?" {
            uncertain = true
            pos += 1
        }
        return Abnormality(
            text: slice(start, pos), kind: core.kind, chromosomes: core.chromosomes,
            breakpoints: core.breakpoints, bands: core.bands, gain: gain, loss: loss, parts: core.parts,
            copies: copies ?? core.copies, isConstitutional: constitutional,
            isUncertain: uncertain || core.isUncertain, signals: [])
    }

    /// Handles the abnormality named `word` (already consumed, starting at `wordStart`).
    mutating func parseKeyword(_ word: String, at wordStart: Int, start: Int, ish: Bool, signed: Bool) throws(ISCNParseError) -> Abnormality {
        switch word {
        case "mar":
            guard signed else {
                throw fail("a marker chromosome is written with '+' (or '-'), e.g. +mar", at: wordStart)
            }
            var name = "mar"
            if Self.isDigit(peek()) { name += readDigits(max: 3) }
            return Abnormality(text: name, kind: "mar")
        case "dmin":
            return Abnormality(text: word, kind: "dmin")
        case "inc":
            guard start == wordStart else { throw fail("'inc' (incomplete karyotype) takes no sign or '?'", at: start) }
            return Abnormality(text: word, kind: "inc")
        case "r" where peek() != "(":
            // A ring of unknown origin: +r.
            guard signed else {
                throw fail("a ring of unknown origin is written with '+', e.g. +r; a known ring needs its chromosome, e.g. r(18)(p11.2q23)", at: wordStart)
            }
            return Abnormality(text: word, kind: "r")
        case "idem", "sl", "sdl":
            throw fail("'\(word)' must directly follow the chromosome count (e.g. 47,idem,+8)", at: wordStart)
        case "ish", "nuc":
            throw fail("FISH results follow the karyotype after a '.', e.g. 46,XY.ish ...", at: wordStart)
        default:
            guard Self.structuralKinds.contains(word) else {
                throw fail("unknown abnormality '\(Self.token(word))'", at: wordStart)
            }
            if word == "t" && signed {
                throw fail("a translocation cannot be gained or lost as a whole; write the derivative, e.g. +der(22)t(9;22)(q34;q11.2)", at: wordStart - 1)
            }
            return try parseStructural(word, at: wordStart, ish: ish)
        }
    }

    static func allowedChromosomes(_ kind: String) -> ClosedRange<Int> {
        switch kind {
        case "t": return 2...6
        case "dic", "rob", "tas": return 2...2
        case "trc": return 3...3
        case "ins", "der", "r": return 1...2
        default: return 1...1
        }
    }

    static func example(_ kind: String) -> String {
        switch kind {
        case "t": return "t(9;22)(q34;q11.2)"
        case "der": return "der(22)t(9;22)(q34;q11.2)"
        case "ider": return "ider(22)(q10)t(9;22)(q34;q11.2)"
        case "dic": return "dic(9;20)(p13;q11.2)"
        case "idic": return "idic(X)(q13)"
        case "trc": return "trc(4;12;21)(q31;p13;q22)"
        case "del": return "del(5)(q13q33)"
        case "inv": return "inv(16)(p13.1q22)"
        case "dup", "trp", "qdp": return "\(kind)(1)(q21q32)"
        case "i": return "i(17)(q10)"
        case "add": return "add(7)(q22)"
        case "ins": return "ins(5;2)(p14;q22q32)"
        case "r": return "r(18)(p11.2q23)"
        case "hsr": return "hsr(1)(p22)"
        case "fra": return "fra(X)(q27.3)"
        case "rob": return "rob(13;14)(q10;q10)"
        case "tas": return "tas(12;13)(q24.3;q34)"
        default: return kind
        }
    }

    /// `kind(chromosomes)(breakpoints)` and, for derivatives, the rearrangements that follow.
    mutating func parseStructural(_ kind: String, at wordStart: Int, ish: Bool) throws(ISCNParseError) -> Abnormality {
        guard peek() == "(" else {
            throw fail("expected '(' and the chromosome(s) after '\(kind)', e.g. \(Self.example(kind))")
        }
        let open = pos
        pos += 1
        var chromosomes: [String] = []
        var uncertain = false
        while true {
            let (name, questioned) = try parseChromosomeName()
            chromosomes.append(name)
            uncertain = uncertain || questioned
            if peek() == ";" {
                pos += 1
                continue
            }
            break
        }
        guard peek() == ")" else {
            if atEnd { throw fail("'(' at position \(open) is never closed") }
            throw fail("expected ';' or ')' in the chromosome list, found \(show(peek()))")
        }
        pos += 1
        let allowed = Self.allowedChromosomes(kind)
        guard allowed.contains(chromosomes.count) else {
            let name = "\(kind)(\(chromosomes.joined(separator: ";")))"
            if kind == "t" && chromosomes.count < 2 {
                throw fail("a translocation needs at least two chromosomes, e.g. t(9;22); found \(Self.token(name))", at: open)
            }
            let expected = allowed.count == 1 ? "\(allowed.lowerBound)" : "\(allowed.lowerBound) to \(allowed.upperBound)"
            throw fail("\(kind) takes \(expected) chromosome(s); found \(chromosomes.count) in \(Self.token(name))", at: open)
        }

        var breakpoints: [String] = []
        var bands: [[String]] = []
        let isDerivative = Self.derivativeKinds.contains(kind)
        let breakpointsOptional = kind == "der" || kind == "ider"
        if peek() == "(" {
            if ish {
                // In FISH results the parenthesis may hold probe signals instead of breakpoints
                // (`ish t(9;22)(ABL1+;BCR+)`). Only a failure at its first character means that;
                // a later failure is a real error in the breakpoints.
                let open = pos
                var attempt = self
                do {
                    (breakpoints, bands) = try attempt.parseBreakpointGroups()
                    self = attempt
                } catch {
                    if error.position != open + 1 { throw error }
                }
            } else {
                (breakpoints, bands) = try parseBreakpointGroups(startingAt: pos)
            }
        }
        let signalsFollow = ish && peek() == "("
        if bands.isEmpty && !breakpointsOptional && !signalsFollow {
            if let ch = peek(), ch.isWhitespace {
                throw fail("unexpected space after '\(kind)(\(chromosomes.joined(separator: ";")))'")
            }
            throw fail("\(kind)(\(chromosomes.joined(separator: ";"))) needs breakpoints, e.g. \(Self.example(kind))")
        }
        if !bands.isEmpty {
            try validateBreakpoints(kind: kind, chromosomes: chromosomes, bands: bands)
        }

        var parts: [Abnormality] = []
        if isDerivative {
            while let ch = peek(), Self.isLower(ch) {
                if ch == "c" && (Self.endsField(peek(1)) || peek(1) == "?" || (ish && peek(1) == "(")) { break }
                if ch == "x" && Self.isDigit(peek(1)) { break }
                let partStart = pos
                let word = readLowercase()
                guard Self.structuralKinds.contains(word), word != "der", word != "ider" else {
                    throw fail("'\(Self.token(word))' cannot be part of a derivative chromosome", at: partStart)
                }
                let part = try parseStructural(word, at: partStart, ish: ish)
                parts.append(part)
            }
        }
        if breakpointsOptional && bands.isEmpty && parts.isEmpty && !(ish && peek() == "(") {
            throw fail("\(kind)(\(chromosomes.joined(separator: ";"))) needs breakpoints or the rearrangement it derives from, e.g. \(Self.example(kind))")
        }
        return Abnormality(
            text: slice(wordStart, pos), kind: kind, chromosomes: chromosomes, breakpoints: breakpoints,
            bands: bands, parts: parts, isUncertain: uncertain)
    }

    /// One chromosome inside `kind(...)`: 1-22, X, Y or `?`, optionally questioned (`?9`).
    mutating func parseChromosomeName() throws(ISCNParseError) -> (String, Bool) {
        let start = pos
        var questioned = false
        if peek() == "?" {
            pos += 1
            if peek() == ";" || peek() == ")" { return ("?", false) }
            questioned = true
        }
        if Self.isDigit(peek()) {
            let digits = readDigits(max: 3)
            guard let n = Int(digits), (1...22).contains(n), !digits.hasPrefix("0") else {
                throw fail("no chromosome \(Self.token(digits)): autosomes are 1-22, sex chromosomes X and Y", at: questioned ? start + 1 : start)
            }
            return (String(n), questioned)
        }
        if let ch = peek(), ch == "X" || ch == "Y" {
            pos += 1
            return (String(ch), questioned)
        }
        if let ch = peek(), ch == "x" || ch == "y" {
            throw fail("sex chromosomes are written in uppercase (X, Y)")
        }
        if peek() == ";" || peek() == ")" {
            throw fail("missing chromosome")
        }
        if atEnd { throw fail("unexpected end of input in the chromosome list") }
        throw fail("expected a chromosome (1-22, X or Y), found \(show(peek()))")
    }

    mutating func parseBreakpointGroups() throws(ISCNParseError) -> ([String], [[String]]) {
        try parseBreakpointGroups(startingAt: pos)
    }

    /// `(band...;band...)`: one group per chromosome.
    mutating func parseBreakpointGroups(startingAt open: Int) throws(ISCNParseError) -> ([String], [[String]]) {
        pos += 1
        var texts: [String] = []
        var groups: [[String]] = []
        var groupStarts: [Int] = []
        while true {
            let groupStart = pos
            var bands: [String] = []
            while let ch = peek(), ch != ";", ch != ")" {
                bands.append(try parseBand())
            }
            if bands.isEmpty {
                if atEnd { throw fail("'(' at position \(open) is never closed") }
                throw fail("missing breakpoint")
            }
            groups.append(bands)
            texts.append(slice(groupStart, pos))
            groupStarts.append(groupStart)
            if peek() == ";" {
                pos += 1
                continue
            }
            break
        }
        guard peek() == ")" else { throw fail("'(' at position \(open) is never closed") }
        pos += 1
        lastGroupStarts = groupStarts
        return (texts, groups)
    }

    /// Where the groups of the last breakpoint list started (for error positions).
    var lastGroupStarts: [Int] = []

    /// One band: `q34`, `q11.2`, `p13.1`, `q10`, `pter`, `qter`, `cen`, `?`, `q34?`, `?q34`, `q2?`,
    /// `q21~q23`, `q21~23`.
    mutating func parseBand() throws(ISCNParseError) -> String {
        let start = pos
        if peek() == "?" {
            pos += 1
            if peek() == nil || peek() == ";" || peek() == ")" { return "?" }
        }
        if matchWord("pter") || matchWord("qter") || matchWord("cen") {
            return slice(start, pos)
        }
        try parseArmAndNumber()
        if peek() == "~" {
            pos += 1
            if let ch = peek(), ch == "p" || ch == "q" || ch == "?" {
                if ch == "?" { pos += 1 }
                try parseArmAndNumber()
            } else if Self.isDigit(peek()) {
                try parseBandNumber(allowEmpty: false)
            } else {
                throw fail("expected a band after '~', e.g. q21~q23")
            }
        }
        return slice(start, pos)
    }

    mutating func parseArmAndNumber() throws(ISCNParseError) {
        guard let arm = peek() else { throw fail("unexpected end of input in the breakpoints") }
        guard arm == "p" || arm == "q" else {
            if arm.isLetter {
                throw fail("invalid chromosome arm '\(arm)': a band starts with p or q (e.g. q34, p13.1)")
            }
            throw fail("expected a band such as q34 or p13.1, found \(show(arm))")
        }
        pos += 1
        try parseBandNumber(allowEmpty: true)
    }

    /// Region and band digits after the arm, an optional `.sub-band`, an optional `?`.
    mutating func parseBandNumber(allowEmpty: Bool) throws(ISCNParseError) {
        let digitsStart = pos
        let digits = readDigits(max: 3)
        if digits.isEmpty {
            guard allowEmpty, peek() == "?" else { throw fail("expected a band number, e.g. q34") }
            pos += 1
            return
        }
        guard digits.count <= 2 else {
            throw fail("band number '\(digits)' has too many digits; sub-bands follow a '.', e.g. q34.1", at: digitsStart)
        }
        if peek() == "." {
            guard digits.count == 2 else {
                throw fail("a sub-band follows a two-digit band (e.g. q34.1), found '\(digits).'", at: digitsStart)
            }
            pos += 1
            let sub = readDigits(max: 4)
            guard !sub.isEmpty else { throw fail("expected sub-band digits after '.'") }
            guard sub.count <= 3 else { throw fail("sub-band '\(sub)' has too many digits", at: pos - sub.count) }
        }
        if peek() == "?" { pos += 1 }
    }

    func validateBreakpoints(kind: String, chromosomes: [String], bands: [[String]]) throws(ISCNParseError) {
        let name = "\(kind)(\(chromosomes.joined(separator: ";")))"
        guard bands.count == chromosomes.count else {
            let position = bands.count > chromosomes.count && chromosomes.count < lastGroupStarts.count
                ? lastGroupStarts[chromosomes.count] : pos - 1
            throw fail(
                "\(bands.count) breakpoint group(s) for \(chromosomes.count) chromosome(s) in \(Self.token(name)): give one group per chromosome, separated by ';'",
                at: position)
        }
        func check(_ index: Int, _ allowed: ClosedRange<Int>, _ what: String) throws(ISCNParseError) {
            guard allowed.contains(bands[index].count) else {
                let position = index < lastGroupStarts.count ? lastGroupStarts[index] : pos
                throw fail("\(what) in \(Self.token(name)); found \(bands[index].count)", at: position)
            }
        }
        switch kind {
        case "inv":
            try check(0, 2...2, "an inversion needs two breakpoints, e.g. inv(16)(p13.1q22),")
        case "ins":
            if chromosomes.count == 1 {
                try check(0, 3...3, "an insertion within one chromosome needs three breakpoints, e.g. ins(2)(p13q21q31),")
            } else {
                try check(0, 1...1, "the receiving chromosome of an insertion takes one breakpoint")
                try check(1, 2...2, "the inserted segment needs two breakpoints, e.g. ins(5;2)(p14;q22q32),")
            }
        case "del", "dup", "trp", "qdp", "r", "hsr", "der", "ider":
            for index in bands.indices { try check(index, 1...2, "each chromosome takes one or two breakpoints") }
        default:
            for index in bands.indices { try check(index, 1...1, "each chromosome takes exactly one breakpoint") }
        }
    }

    // MARK: - In situ hybridization

    /// `ish ...` or `nuc ish ...`, with `/`-separated populations; returns the normalized text.
    mutating func parseTechnique(into results: inout [ISHResult]) throws(ISCNParseError) -> String {
        let start = pos
        var interphase = false
        if matchWord("nuc") {
            guard let ch = peek(), ch.isWhitespace else { throw fail("expected 'nuc ish'") }
            skipSpaces()
            guard matchWord("ish") else { throw fail("expected 'ish' after 'nuc'") }
            interphase = true
        } else if !matchWord("ish") {
            let word = readLowercase()
            pos = start
            throw fail(
                "expected 'ish' or 'nuc ish' after '.'" + (word.isEmpty ? "" : "; '\(Self.token(word))' results are not supported"))
        }
        let prefix = interphase ? "nuc ish" : "ish"
        skipSpaces()
        var first = true
        var populationTexts: [String] = []
        while true {
            var findings: [Abnormality] = []
            var texts: [String] = []
            while true {
                skipSpaces()
                let finding = try parseISHFinding(interphase: interphase)
                findings.append(finding)
                texts.append(finding.text)
                skipSpaces()
                if peek() == "," {
                    pos += 1
                    continue
                }
                break
            }
            var cellCount: Int? = nil
            var scored: Int? = nil
            var cellText = ""
            if peek() == "[" {
                let open = pos
                pos += 1
                guard Self.isDigit(peek()) else { throw fail("the cell count must be a number, e.g. [200] or [180/200]") }
                let count = try readInt(what: "cell count")
                guard count >= 1 else { throw fail("the cell count must be at least 1", at: open + 1) }
                cellCount = count
                if peek() == "/" {
                    pos += 1
                    guard Self.isDigit(peek()) else { throw fail("expected the number of cells scored after '/', e.g. [180/200]") }
                    let total = try readInt(what: "number of cells scored")
                    guard total >= (cellCount ?? 0) else {
                        throw fail("more cells with the result than cells scored", at: open)
                    }
                    scored = total
                }
                guard peek() == "]" else {
                    throw fail(atEnd ? "'[' at position \(open) is never closed" : "expected ']' to close the cell count")
                }
                pos += 1
                cellText = slice(open, pos)
            }
            let body = texts.joined(separator: ",") + cellText
            let text = first ? prefix + (body.first == "(" ? "" : " ") + body : body
            results.append(ISHResult(text: text, isInterphase: interphase, findings: findings, cellCount: cellCount, cellsScored: scored))
            populationTexts.append(text)
            first = false
            let save = pos
            skipSpaces()
            if peek() == "/" && peek(1) != "/" {
                pos += 1
                skipSpaces()
                continue
            }
            pos = save
            break
        }
        return populationTexts.joined(separator: "/")
    }

    /// One finding: a rearrangement with probe signals (metaphase only), a locus with signals
    /// (`22q11.2(BCRx2)`), or signals alone (`(ABL1,BCR)x3(ABL1 con BCRx1)`).
    mutating func parseISHFinding(interphase: Bool) throws(ISCNParseError) -> Abnormality {
        let start = pos
        let kind = interphase ? "nuc ish" : "ish"
        var base = Abnormality(text: "", kind: kind)
        guard let ch = peek() else { throw fail("expected a FISH result, found end of input") }
        if ch == "(" {
            // Signals only.
        } else if Self.isDigit(ch) || ch == "X" || ch == "Y" {
            let (chromosome, _) = try parseChromosomeName()
            let bandStart = pos
            var bands: [String] = []
            while let c = peek(), c != "(", !c.isWhitespace, c != ",", c != "[", c != "/" {
                bands.append(try parseBand())
            }
            guard !bands.isEmpty, bands.count <= 2 else {
                throw fail("expected a locus such as 22q11.2 before the probe signals", at: bands.isEmpty ? pos : bandStart)
            }
            base = Abnormality(text: "", kind: kind, chromosomes: [chromosome], breakpoints: [slice(bandStart, pos)], bands: [bands])
        } else if !interphase && (Self.isLower(ch) || ch == "+" || ch == "-" || ch == "?") {
            base = try parseAbnormality(ish: true)
        } else {
            throw fail(
                interphase
                    ? "expected probe signals such as (ABL1,BCR)x2 or a locus such as 22q11.2(BCRx2), found \(show(ch))"
                    : "expected a rearrangement, a locus or probe signals, found \(show(ch))")
        }
        var groups: [SignalGroup] = []
        while peek() == "(" {
            groups.append(try parseSignalGroup())
        }
        guard !groups.isEmpty else {
            throw fail("expected probe signals in parentheses, e.g. (ABL1+,BCR+)")
        }
        return Abnormality(
            text: slice(start, pos), kind: base.kind, chromosomes: base.chromosomes, breakpoints: base.breakpoints,
            bands: base.bands, gain: base.gain, loss: base.loss, parts: base.parts, copies: base.copies,
            isConstitutional: base.isConstitutional, isUncertain: base.isUncertain, signals: groups)
    }

    /// `(ABL1+,BCR+)`, `(ABL1,BCR)x3`, `(ABL1 con BCRx1)`, `(ABL1+;BCR+)`.
    mutating func parseSignalGroup() throws(ISCNParseError) -> SignalGroup {
        let open = pos
        pos += 1
        var sections: [[ProbeSignal]] = [[]]
        while true {
            skipSpaces()
            let signal = try parseSignal()
            sections[sections.count - 1].append(signal)
            skipSpaces()
            if peek() == "," {
                pos += 1
                continue
            }
            if peek() == ";" {
                pos += 1
                sections.append([])
                continue
            }
            break
        }
        guard peek() == ")" else {
            if atEnd { throw fail("'(' at position \(open) is never closed") }
            throw fail("expected ',', ';' or ')' in the probe signals, found \(show(peek()))")
        }
        pos += 1
        var multiplier: ClosedRange<Int>? = nil
        if peek() == "x" && Self.isDigit(peek(1)) {
            pos += 1
            multiplier = try parseCopyRange()
        }
        return SignalGroup(text: slice(open, pos), sections: sections, multiplier: multiplier)
    }

    mutating func parseCopyRange() throws(ISCNParseError) -> ClosedRange<Int> {
        let start = pos
        let low = try readInt(maxDigits: 3, what: "signal count")
        var high = low
        if peek() == "~" && Self.isDigit(peek(1)) {
            pos += 1
            high = try readInt(maxDigits: 3, what: "signal count")
        }
        guard high >= low else { throw fail("invalid signal count range \(low)~\(high)", at: start) }
        return low...high
    }

    /// `ABL1`, `ABL1x3`, `HIRA-`, `BCR+`, `ABL1 con BCRx2`, `5'BCR sep 3'BCR`.
    mutating func parseSignal() throws(ISCNParseError) -> ProbeSignal {
        var probes: [String] = []
        var relation: ProbeSignal.Relation? = nil
        var copies: String? = nil
        while true {
            let (name, probeCopies) = try parseProbe()
            probes.append(name)
            if let probeCopies { copies = probeCopies }
            let save = pos
            if let ch = peek(), ch.isWhitespace {
                skipSpaces()
                var found: ProbeSignal.Relation? = nil
                if matchWord("con") { found = .connected } else if matchWord("sep") { found = .separated }
                if let found, let ch = peek(), ch.isWhitespace {
                    guard relation == nil || relation == found else {
                        throw fail("mixing 'con' and 'sep' in one signal is not supported")
                    }
                    relation = found
                    skipSpaces()
                    continue
                }
                pos = save
            }
            break
        }
        return ProbeSignal(probes: probes, relation: relation, copies: copies)
    }

    static func isProbeCharacter(_ ch: Character) -> Bool {
        ch.isASCII && (ch.isLetter || ch.isNumber || ch == "_" || ch == "." || ch == ":" || ch == "'")
    }

    mutating func parseProbe() throws(ISCNParseError) -> (String, String?) {
        let start = pos
        guard let first = peek(), first.isASCII, first.isLetter || first.isNumber || first == "'" else {
            if atEnd { throw fail("unexpected end of input in the probe signals") }
            throw fail("expected a probe name (e.g. ABL1, BCR), found \(show(peek()))")
        }
        while let ch = peek() {
            if Self.isProbeCharacter(ch) {
                pos += 1
            } else if ch == "-", let next = peek(1), next.isASCII, next.isLetter || next.isNumber {
                pos += 1
            } else {
                break
            }
        }
        var name = slice(start, pos)
        var copies: String? = nil
        // A trailing x<digits> is the copy number (ABL1x3).
        if let x = name.lastIndex(of: "x"), x != name.startIndex {
            let tail = name[name.index(after: x)...]
            if !tail.isEmpty, tail.allSatisfy({ $0.isASCII && $0.isNumber }) {
                copies = "x" + tail
                name = String(name[..<x])
                if peek() == "~" && Self.isDigit(peek(1)) {
                    let rangeStart = pos
                    pos += 1
                    _ = readDigits(max: 3)
                    copies! += slice(rangeStart, pos)
                }
            }
        }
        guard !name.isEmpty else {
            if atEnd { throw fail("unexpected end of input in the probe signals") }
            throw fail("expected a probe name (e.g. ABL1, BCR), found \(show(peek()))")
        }
        if copies == nil, let ch = peek(), ch == "+" || ch == "-" {
            let signStart = pos
            while peek() == ch { pos += 1 }
            copies = slice(signStart, pos)
        }
        return (name, copies)
    }
}

/// Parsing entry point.
public enum ISCN {
    /// Chromosome counts accepted: 20 (below near-haploid, 23-34) to 103 (the top of the ISCN
    /// near-tetraploid range, 81-103). Higher counts (near-pentaploid and above) are rejected: in
    /// practice a `146,XY` is a typo for `46,XY`, and guessing is worse than asking.
    public static let chromosomeCountRange = 20...103

    /// Parses an ISCN karyotype string such as `46,XY,t(9;22)(q34;q11.2)[20]`.
    ///
    /// Accepted: clones separated by `/` and `//`; counts `46`, `45~48`, `92<4n>`; sex chromosomes
    /// (X before Y, uppercase, optionally `c`), which may be omitted when the first field is an
    /// abnormality; `idem`/`sl`/`sdl`/`sdlN` (the clone inherits the referenced clone's sex
    /// chromosomes and abnormalities); cell counts `[20]` and `[cp10]`; whole-chromosome gains and
    /// losses; `mar`, `dmin`, `inc`, `+r`; the structural rearrangements t, der, ider, dic, idic,
    /// trc, del, inv, dup, trp, qdp, i, add, ins, r, hsr, fra, rob, tas with breakpoints (required:
    /// `t(9;22)` alone is rejected; `der`/`ider` need breakpoints or the rearrangements they derive
    /// from); `?`, `~`, `pter`, `qter`, `cen` in breakpoints; `?` before or after an abnormality;
    /// suffixes `c` and `x2`; `.ish` and `.nuc ish` results (`con` and `sep` signals, `[180/200]`).
    ///
    /// Rejected with the position of the problem: everything else, including lowercase sex
    /// chromosomes (`46,xy`), the old `del(5q)` and `t(9q+;22q-)` notations, `Ph+`, counts outside
    /// ``chromosomeCountRange``, chromosomes other than 1-22, X, Y, arms other than p and q, and a
    /// breakpoint list that does not have one group per chromosome.
    public static func parse(_ text: String) throws(ISCNParseError) -> Karyotype {
        var parser = ISCNParser(text)
        return try parser.parseKaryotype()
    }
}
