/// A small RFC 4180 CSV reader for lab manifests.
///
/// Handles quoted fields (with the delimiter, doubled quotes `""` and line breaks inside), CRLF, LF
/// and lone CR line ends, a missing final line end, and `,`, `;` or tab delimiters. Lenient where
/// the meaning is unambiguous: whitespace before an opening quote or after a closing quote is
/// ignored, and a quote inside an unquoted field is kept literally. Input is UTF-8 bytes; a BOM
/// must already be removed.
import Foundation

/// One record (row) of a CSV file.
public struct CSVRecord: Sendable, Equatable {
    /// 1-based line number where the record starts.
    public let line: Int
    /// The fields, unquoted. Not trimmed.
    public let fields: [String]
    /// Why the record is malformed (text after a closing quote, a quote never closed); nil when fine.
    public let problem: String?

    public init(line: Int, fields: [String], problem: String? = nil) {
        self.line = line
        self.fields = fields
        self.problem = problem
    }

    /// True for a blank line or a line of delimiters only.
    public var isBlank: Bool {
        problem == nil && fields.allSatisfy { $0.allSatisfy(\.isWhitespace) }
    }
}

public enum CSV {
    static let quote = UInt8(ascii: "\"")
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")

    /// The delimiter of a file: `,` if the header line (outside quotes) contains one, else `;`, else
    /// tab, else `,`.
    public static func detectDelimiter(_ bytes: [UInt8]) -> UInt8 {
        var inQuotes = false
        var sawSemicolon = false
        var sawTab = false
        var seenContent = false
        for b in bytes {
            if b == quote {
                inQuotes.toggle()
                seenContent = true
                continue
            }
            if inQuotes { continue }
            if b == cr || b == lf {
                if seenContent { break }  // blank lines before the header are skipped
                continue
            }
            if b == UInt8(ascii: ",") { return b }
            if b == UInt8(ascii: ";") { sawSemicolon = true }
            if b == tab { sawTab = true }
            if b != space && b != tab { seenContent = true }
        }
        if sawSemicolon { return UInt8(ascii: ";") }
        if sawTab { return tab }
        return UInt8(ascii: ",")
    }

    /// Parses UTF-8 text. `delimiter` nil detects it from the header line.
    public static func parse(_ text: String, delimiter: UInt8? = nil) -> [CSVRecord] {
        parse(bytes: Array(text.utf8), delimiter: delimiter)
    }

    /// Parses UTF-8 bytes (already validated as UTF-8, without a BOM).
    public static func parse(bytes: [UInt8], delimiter: UInt8? = nil) -> [CSVRecord] {
        let delimiter = delimiter ?? detectDelimiter(bytes)
        var records: [CSVRecord] = []
        let n = bytes.count
        var i = 0
        var line = 1

        func isLineEnd(_ b: UInt8) -> Bool { b == cr || b == lf }

        /// Consumes one line end at `i` (CRLF, LF or CR), counting the line.
        func consumeLineEnd() {
            if bytes[i] == cr {
                i += 1
                if i < n && bytes[i] == lf { i += 1 }
            } else {
                i += 1
            }
            line += 1
        }

        while i < n {
            let recordLine = line
            var fields: [String] = []
            var problem: String? = nil
            record: while true {
                // Whitespace before an opening quote is ignored.
                var j = i
                while j < n && (bytes[j] == space || bytes[j] == tab) && bytes[j] != delimiter { j += 1 }
                if j < n && bytes[j] == quote {
                    i = j + 1
                    var buffer: [UInt8] = []
                    var closed = false
                    while i < n {
                        let b = bytes[i]
                        if b == quote {
                            if i + 1 < n && bytes[i + 1] == quote {
                                buffer.append(quote)
                                i += 2
                                continue
                            }
                            i += 1
                            closed = true
                            break
                        }
                        if b == lf {
                            line += 1
                        } else if b == cr && !(i + 1 < n && bytes[i + 1] == lf) {
                            line += 1
                        }
                        buffer.append(b)
                        i += 1
                    }
                    fields.append(String(decoding: buffer, as: UTF8.self))
                    if !closed {
                        problem = "a quoted field opened on line \(recordLine) is never closed; the rest of the file could not be read"
                        break record
                    }
                    // Whitespace after a closing quote is ignored; anything else is an error.
                    while i < n && (bytes[i] == space || bytes[i] == tab) && bytes[i] != delimiter { i += 1 }
                    if i < n && bytes[i] != delimiter && !isLineEnd(bytes[i]) {
                        problem = problem ?? "unexpected text after a closing quote (a quote inside a field must be doubled, \"\")"
                        while i < n && bytes[i] != delimiter && !isLineEnd(bytes[i]) { i += 1 }
                    }
                } else {
                    let start = i
                    while i < n && bytes[i] != delimiter && !isLineEnd(bytes[i]) { i += 1 }
                    fields.append(String(decoding: bytes[start..<i], as: UTF8.self))
                }
                if i < n && bytes[i] == delimiter {
                    i += 1
                    continue
                }
                if i < n { consumeLineEnd() }
                break
            }
            records.append(CSVRecord(line: recordLine, fields: fields, problem: problem))
        }
        return records
    }
}
