import Foundation
import KaryoCodecs
import KaryoCore
import KaryoVision
#if canImport(Glibc)
import Glibc
#endif

/// Checks a de-identified output on its own terms, without trusting the code that wrote it.
///
/// Checks, in order:
/// - `png-structure`: PNG signature; chunks IHDR, IDAT..., IEND only, in that order, each with a
///   valid CRC; nothing after IEND; IHDR says 8-bit grayscale, not interlaced.
/// - `decodes`: the PNG decodes to one page without alpha (and, when `image` is given, to exactly
///   those pixels).
/// - `forbidden-bytes`: none of the forbidden strings of 5 or more bytes occurs in the file,
///   ignoring ASCII case, as UTF-8 or UTF-16. (Shorter strings are not searched: three given
///   bytes occur by chance in a megabyte of compressed pixels.)
/// - `ocr` (when asked): OCR of the pixels at 0, 90 and 270 degrees finds no confident word that
///   looks like an identifier or matches a forbidden string. A capitalised word (possible name)
///   counts only when it is credible text (see ``isCredibleName(_:_:)``): chromosome shapes are
///   often read as short capitalised words.
public enum DeidVerifier {
    /// Verifies one PNG. `image`: the pixels it must hold (nil: not compared). `ocr`: also run
    /// the OCR check (needs libtesseract and eng.traineddata; when they are missing the check
    /// fails, it is not skipped).
    public static func verify(png: Data, image: GrayImage?, forbidden: [String], ocr: Bool = false) -> VerifierResult {
        var pool: OCREnginePool?
        var setupProblem: String?
        if ocr {
            if let dir = TesseractEngine.locateTessdata() {
                do { pool = try OCREnginePool.shared(tessdataDirectory: dir) } catch { setupProblem = error.description }
            } else {
                setupProblem = "OCR check could not run: eng.traineddata not found"
            }
        }
        var result = verify(png: png, image: image, forbidden: forbidden, ocrPool: pool,
                            orientations: TextOrientation.allCases, confidence: 80)
        if let setupProblem {
            result = VerifierResult(status: .failed, checks: result.checks + ["ocr"], problems: result.problems + [setupProblem])
        }
        return result
    }

    /// Verifies every file under `url` (recursively, hidden files skipped): PNG files as above
    /// (with the OCR check when `ocr`), JSON reports (`deid-report.json`, `quarantine.json`) by the
    /// forbidden-bytes check only; any other file fails. Results are in path order; `file` is the
    /// path relative to `url`.
    public static func verifyFolder(_ url: URL, forbidden: [String], ocr: Bool = true) throws -> [(file: String, result: VerifierResult)] {
        let files = try FolderWalk.files(under: url)
        var out: [(file: String, result: VerifierResult)] = []
        for file in files {
            let data: Data
            do { data = try Data(contentsOf: file.url) } catch {
                out.append((file.relativePath, VerifierResult(status: .failed, checks: ["read"], problems: ["file could not be read"])))
                continue
            }
            if file.url.pathExtension.lowercased() == "json" {
                let problems = forbiddenByteProblems(data, forbidden: forbidden)
                out.append((file.relativePath, VerifierResult(status: problems.isEmpty ? .passed : .failed,
                                                              checks: ["forbidden-bytes"], problems: problems)))
            } else {
                out.append((file.relativePath, verify(png: data, image: nil, forbidden: forbidden, ocr: ocr)))
            }
        }
        return out
    }

    static func verify(png: Data, image: GrayImage?, forbidden: [String], ocrPool: OCREnginePool?,
                       orientations: [TextOrientation], confidence: Float) -> VerifierResult {
        var checks = ["png-structure"]
        var problems = pngStructureProblems(png)
        checks.append("decodes")
        var decodedImage: GrayImage?
        do {
            let decoded = try ImageCodec.decode(png, fileName: "output")
            decodedImage = decoded.image
            if decoded.format != .png { problems.append("output is not a PNG") }
            if decoded.pageCount != 1 { problems.append("output has \(decoded.pageCount) pages") }
            if decoded.hadAlpha { problems.append("output has an alpha channel") }
            if let image, decoded.image != image { problems.append("output pixels differ from the de-identified image") }
        } catch {
            problems.append("output does not decode: \(error.kind.phrase)")
        }
        checks.append("forbidden-bytes")
        problems += forbiddenByteProblems(png, forbidden: forbidden)
        if let ocrPool {
            checks.append("ocr")
            if let pixels = image ?? decodedImage {
                let rules = IdentifierRules(knownIdentifiers: forbidden)
                do {
                    let words = try ocrPool.withEngine { engine in
                        TextScanner().scan(pixels, orientations: orientations, engine: engine)
                    }
                    var textLines: [TextLine]?
                    for word in words where word.confidence >= confidence {
                        let kind = rules.classify(word.text)
                        if kind == .possibleName {
                            // a capitalised word counts only when it is credible text: 3 or more
                            // letters, in a box holding text-like glyphs (not a chromosome blob)
                            if textLines == nil { textLines = TextFinder().lines(in: pixels) }
                            guard isCredibleName(word, textLines ?? []) else { continue }
                        }
                        if kind.isIdentifierLike {
                            problems.append("OCR found a word that looks like an identifier (\(kind.rawValue), confidence \(Int(word.confidence))) at x=\(word.box.x) y=\(word.box.y)")
                        }
                    }
                } catch {
                    problems.append("OCR check could not run")
                }
            } else {
                problems.append("OCR check could not run: no pixels")
            }
        }
        return VerifierResult(status: problems.isEmpty ? .passed : .failed, checks: checks, problems: problems)
    }

    /// Whether a word that reads as a possible name is credible text: at least 3 letters, and at
    /// least half of its box covered by a candidate text line of ``TextFinder`` that is not a row
    /// of chromosome-like blobs (``TextLine/isBlobRow``, ``TextLine/isRaggedRow``). OCR of a
    /// whole karyogram reads chromosome shapes as short capitalised "words"; those lie on no
    /// text line. Known identifiers, long numbers, dates and identifier labels are not filtered.
    static func isCredibleName(_ word: OCRWord, _ lines: [TextLine]) -> Bool {
        guard word.text.filter(\.isLetter).count >= 3, word.box.area > 0 else { return false }
        return lines.contains { line in
            !line.isBlobRow && !line.isRaggedRow && line.box.intersection(word.box).area * 2 >= word.box.area
        }
    }

    // MARK: - PNG structure

    static func pngStructureProblems(_ data: Data) -> [String] {
        let bytes = [UInt8](data)
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else { return ["not a PNG (bad signature)"] }
        var problems: [String] = []
        var offset = 8
        var sequence: [String] = []
        func be32(_ i: Int) -> UInt32 {
            UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
        }
        var sawEnd = false
        while offset < bytes.count {
            guard offset + 12 <= bytes.count else { problems.append("truncated chunk at byte \(offset)"); break }
            let length = Int(be32(offset))
            let typeBytes = Array(bytes[(offset + 4)..<(offset + 8)])
            let type = typeBytes.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }
                ? String(decoding: typeBytes, as: UTF8.self) : "(invalid type)"
            guard length <= bytes.count - offset - 12 else { problems.append("chunk \(sequence.count + 1) runs past the end"); break }
            let crc = be32(offset + 8 + length)
            if crc != CRC32.checksum(bytes[(offset + 4)..<(offset + 8 + length)]) {
                problems.append("chunk \(sequence.count + 1) (\(type)) has a bad CRC")
            }
            if !["IHDR", "IDAT", "IEND"].contains(type) {
                problems.append("non-structural chunk \(type)")
            }
            if type == "IHDR" {
                if sequence.count != 0 { problems.append("IHDR is not the first chunk") }
                if length != 13 {
                    problems.append("IHDR has length \(length)")
                } else {
                    let depth = bytes[offset + 16], colour = bytes[offset + 17], interlace = bytes[offset + 20]
                    if depth != 8 || colour != 0 { problems.append("not 8-bit grayscale (depth \(depth), colour type \(colour))") }
                    if interlace != 0 { problems.append("interlaced") }
                }
            }
            if type == "IDAT", let last = sequence.last, last != "IHDR", last != "IDAT" {
                problems.append("IDAT chunks are not contiguous after IHDR")
            }
            sequence.append(type)
            offset += 12 + length
            if type == "IEND" {
                sawEnd = true
                if length != 0 { problems.append("IEND has data") }
                break
            }
        }
        if sequence.first != "IHDR" { problems.append("first chunk is not IHDR") }
        if !sequence.contains("IDAT") { problems.append("no IDAT chunk") }
        if !sawEnd { problems.append("no IEND chunk") }
        if sawEnd && offset < bytes.count { problems.append("\(bytes.count - offset) bytes after IEND") }
        return problems
    }

    // MARK: - Raw byte search

    /// Problems for every forbidden string (5+ bytes) found in `data`, named by list position.
    static func forbiddenByteProblems(_ data: Data, forbidden: [String]) -> [String] {
        let folded = data.map(asciiLower)
        var problems: [String] = []
        for (i, string) in forbidden.enumerated() {
            let needle = string.trimmingCharacters(in: .whitespacesAndNewlines)
            let utf8 = Array(needle.utf8).map(asciiLower)
            guard utf8.count >= 5 else { continue }
            var variants = [utf8]
            let utf16 = Array(needle.utf16)
            variants.append(utf16.flatMap { [asciiLower(UInt8(truncatingIfNeeded: $0)), UInt8(truncatingIfNeeded: $0 >> 8)] })
            variants.append(utf16.flatMap { [UInt8(truncatingIfNeeded: $0 >> 8), asciiLower(UInt8(truncatingIfNeeded: $0))] })
            if variants.contains(where: { contains(folded, $0) }) {
                problems.append("forbidden string number \(i + 1) of the list occurs in the bytes")
            }
        }
        return problems
    }

    private static func asciiLower(_ b: UInt8) -> UInt8 { (b >= 65 && b <= 90) ? b + 32 : b }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, haystack.count >= needle.count else { return false }
        return haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { n in
                guard let base = h.baseAddress else { return false }
                var start = 0
                let last = h.count - n.count
                while start <= last {
                    guard let hit = memchr(base + start, Int32(first), last - start + 1) else { return false }
                    let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + at, n.baseAddress!, n.count) == 0 { return true }
                    start = at + 1
                }
                return false
            }
        }
    }
}

/// CRC-32 as PNG uses it (ISO 3309, polynomial 0xEDB88320).
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
