import Foundation
import KaryoCore

/// A plainly fake identity (every name says FAKE, every record number contains FAKE or is a made-up
/// number) for de-identification tests.
struct FakeIdentity: Sendable, Equatable {
    let name: String
    let mrn: String
    /// A pure 7-digit record number (identifiers that are only digits must be caught too).
    let accession: String
    let dob: String

    static let names = ["DOE, JANE (FAKE)", "DOE, JOHN (FAKE)", "ROE, RICHARD (FAKE)", "ROE, MARY (FAKE)",
                        "BLOGGS, JOE (FAKE)", "PUBLIC, JOHN Q (FAKE)", "MOUSTERMAN, MAX (FAKE)", "SAMPLE, SAM (FAKE)"]

    static func make(index: Int, rng: inout SeededGenerator) -> FakeIdentity {
        let n = names[index % names.count]
        let mrn = String(format: "000-FAKE-%05d", 10000 + (index * 7919 + rng.int(0...999)) % 90000)
        let accession = String(format: "%07d", 1_000_000 + rng.int(0...8_999_999))
        let dob = String(format: "%02d/%02d/19%02d", rng.int(1...12), rng.int(1...28), rng.int(0...9))
        return FakeIdentity(name: n, mrn: mrn, accession: accession, dob: dob)
    }

    /// Burns the identity into a canvas in four styles: a dark header strip with white text, a dark
    /// corner label, vertical text along the right edge, and small low-contrast digits.
    func burn(into canvas: inout Canvas) -> [TextTruth] {
        var out: [TextTruth] = []
        let scale = max(1, canvas.height / 450)
        let stripH = BitmapFont.glyphHeight * scale + 8 * scale
        canvas.darken(x: 0, y: 0, width: canvas.width, height: stripH, factor: 0.12)
        let header = "\(name)  MRN \(mrn)  DOB \(dob)"
        var box = BitmapFont.draw(header, into: &canvas, x: 6 * scale, y: 4 * scale, scale: scale, ink: .light(0.97))
        out.append(TextTruth(text: header, box: box.box, style: "header"))
        let corner = "MRN: \(mrn)"
        let (cw, ch) = BitmapFont.size(corner, scale: scale)
        box = BitmapFont.draw(corner, into: &canvas, x: canvas.width - cw - 6 * scale, y: canvas.height - ch - 4 * scale,
                              scale: scale, ink: .dark(0.9))
        out.append(TextTruth(text: corner, box: box.box, style: "corner"))
        let vertical = name
        let (vw, _) = BitmapFont.size(vertical, scale: scale)
        box = BitmapFont.draw(vertical, into: &canvas, x: canvas.width - BitmapFont.glyphHeight * scale - 3 * scale,
                              y: max(stripH + 4, (canvas.height - vw) / 2), scale: scale, ink: .dark(0.85), vertical: true)
        out.append(TextTruth(text: vertical, box: box.box, style: "vertical"))
        box = BitmapFont.draw(accession, into: &canvas, x: 6 * scale, y: canvas.height - BitmapFont.glyphHeight - 4 * scale,
                              scale: 1, ink: .dark(0.12))
        out.append(TextTruth(text: accession, box: box.box, style: "faint"))
        return out
    }

    /// Metadata fields written into the file.
    var metadata: [String: String] {
        ["Author": name, "Artist": name, "Description": "Patient \(name) MRN \(mrn) DOB \(dob)",
         "Comment": "MRN \(mrn) accession \(accession) (synthetic, fake identity)"]
    }
}
