import Foundation

/// What a recognised word is, for masking. Carries no text.
public enum WordKind: String, Sendable, Codable {
    /// A chromosome number of a karyogram layout (1-22, X, Y) or an ISCN karyotype string: kept.
    case karyogramLabel
    /// One of the case's own identifiers (from the manifest), in any spelling.
    case knownIdentifier
    /// A run of 5 or more digits, separators between digits ignored (record and accession numbers).
    case longNumber
    /// A date (numeric with / . - separators, ISO, or with a month name).
    case date
    /// A label that introduces an identifier: MRN, DOB, Pt, Patient, Name, ID, Case, ...
    case identifierLabel
    /// A capitalised alphabetic word: possibly a name.
    case possibleName
    /// Any other text.
    case otherText

    /// Everything except kept labels and unclassified text is treated as an identifier.
    public var isIdentifierLike: Bool {
        switch self {
        case .knownIdentifier, .longNumber, .date, .identifierLabel, .possibleName: true
        case .karyogramLabel, .otherText: false
        }
    }
}

/// Decides which recognised words look like identifiers and which are karyogram labels to keep.
///
/// Known identifiers are matched in a normalised form: case-insensitive, letters and digits
/// only (spaces, commas, hyphens, dots, slashes and underscores removed). A word matches when
/// - its normalised form equals the whole identifier's, or one of the identifier's tokens
///   (the parts between separators) of 3 or more characters, or contains such a token of 4 or
///   more characters (so "DOE_JANE" and "MRN00012345" match "Doe, Jane" and "000-12345");
/// - or its digits, separators between digits removed, are 4 or more and occur in the
///   identifier's digits (or the reverse), so "000 12345" split by OCR still matches.
/// Tokens of 1-2 characters, and tokens that are chromosome names (1-22, X, Y), are never used
/// alone: they cannot be told apart from the numbers of a karyogram layout.
public struct IdentifierRules: Sendable {
    private let wholeForms: Set<String>
    private let tokens: Set<String>
    private let longTokens: [String]
    private let digitForms: [String]

    public init(knownIdentifiers: [String]) {
        var whole = Set<String>(), tokens = Set<String>(), digits: [String] = []
        for identifier in knownIdentifiers {
            let n = Self.normalised(identifier)
            if n.count >= 3 && !Self.chromosomeNames.contains(n) { whole.insert(n) }
            for part in identifier.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }) {
                let t = String(part)
                if t.count >= 3 && !Self.chromosomeNames.contains(t) { tokens.insert(t) }
            }
            for run in Self.digitRuns(identifier) where run.count >= 4 { digits.append(run) }
            let allDigits = identifier.filter(\.isASCIIDigit)
            if allDigits.count >= 4 { digits.append(String(allDigits)) }
        }
        wholeForms = whole
        self.tokens = tokens
        longTokens = tokens.filter { $0.count >= 4 }.sorted()
        digitForms = Array(Set(digits)).sorted()
    }

    /// Classifies one OCR word.
    public func classify(_ word: String) -> WordKind {
        let n = Self.normalised(word)
        if n.isEmpty { return .otherText }
        if matchesKnown(word: word, normalised: n) { return .knownIdentifier }
        if Self.isKaryogramLabel(word) { return .karyogramLabel }
        if Self.digitRuns(word).contains(where: { $0.count >= 5 }) { return .longNumber }
        if Self.isDate(word) { return .date }
        if Self.labels.contains(n) { return .identifierLabel }
        let letters = word.filter(\.isLetter)
        if letters.count >= 2, letters.count == n.count, let first = letters.first, first.isUppercase { return .possibleName }
        return .otherText
    }

    private func matchesKnown(word: String, normalised n: String) -> Bool {
        if wholeForms.contains(n) || tokens.contains(n) { return true }
        if longTokens.contains(where: { n.contains($0) }) { return true }
        for run in Self.digitRuns(word) where run.count >= 4 {
            if digitForms.contains(where: { $0.contains(run) || run.contains($0) }) { return true }
        }
        return false
    }

    // MARK: - Shared rules

    static let chromosomeNames: Set<String> = Set((1...22).map(String.init) + ["x", "y"])

    /// Words that introduce identifiers on slide labels and report headers (normalised).
    static let labels: Set<String> = [
        "mrn", "dob", "pt", "ptid", "patient", "patientid", "name", "id", "case", "caseid", "acc", "accession",
        "hosp", "hospital", "record", "med", "birth", "born", "ssn", "nhs", "sample", "specimen", "lab", "ref",
    ]

    /// Lower-cased letters and digits only.
    static func normalised(_ s: String) -> String {
        String(s.lowercased().filter { $0.isLetter || $0.isNumber })
    }

    /// Runs of ASCII digits; a single separator (- . / space) between two digits joins them.
    static func digitRuns(_ s: String) -> [String] {
        let chars = Array(s)
        var runs: [String] = [], current = ""
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isASCIIDigit {
                current.append(c)
            } else if !current.isEmpty, "-./ ".contains(c), i + 1 < chars.count, chars[i + 1].isASCIIDigit {
                // separator inside a number: skip it
            } else if !current.isEmpty {
                runs.append(current)
                current = ""
            }
            i += 1
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }

    /// A chromosome number of a layout, or an ISCN karyotype / rearrangement string.
    static func isKaryogramLabel(_ word: String) -> Bool {
        let trimmed = word.trimmingCharacters(in: CharacterSet(charactersIn: ".,:;'\"`|!()[]"))
        if chromosomeNames.contains(trimmed.lowercased()) { return true }
        // OCR often reads the digit 1 of small layout numbers as l, I or |.
        if trimmed.count <= 2, !trimmed.isEmpty, trimmed.allSatisfy({ "0123456789lI|".contains($0) }) { return true }
        return isISCN(trimmed)
    }

    private static let iscnStart = try! NSRegularExpression(pattern: #"^(\d{2}|\d{2}~\d{2})(<\dn>)?,(X|Y|XX|XY|XXY|XYY|XXX|X0|-X|-Y)?"#)
    private static let iscnRearrangement = try! NSRegularExpression(
        pattern: #"^[+-]?(t|der|del|dup|inv|ins|i|idic|ider|r|add|dic|trp|tas|hsr|fra|rob|mar)\(\d{1,2}(;\d{1,2})*[;)]"#,
        options: [.caseInsensitive])

    static func isISCN(_ s: String) -> Bool {
        let range = NSRange(s.startIndex..., in: s)
        if iscnStart.firstMatch(in: s, range: range) != nil || iscnRearrangement.firstMatch(in: s, range: range) != nil {
            // An ISCN string has no long numbers; "46,XY,12345678" is not ISCN.
            return !digitRuns(s).contains { $0.count >= 5 }
        }
        return false
    }

    private static let datePatterns: [NSRegularExpression] = [
        #"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{2,4}"#,
        #"(?i)\b\d{1,2}[\-/ ]?(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*[\-/ ]?\d{2,4}"#,
        #"(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*[\-/ .]?\d{1,2}"#,
    ].map { try! NSRegularExpression(pattern: $0) }

    static func isDate(_ s: String) -> Bool {
        let range = NSRange(s.startIndex..., in: s)
        return datePatterns.contains { $0.firstMatch(in: s, range: range) != nil }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
