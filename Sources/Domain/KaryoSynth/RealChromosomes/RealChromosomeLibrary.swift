import Foundation
import KaryoCodecs
import KaryoCore

/// Real single-chromosome crops by class, read from a folder the user gives (never copied into the
/// project): an extracted PKI-3 archive (`labels.csv` + `images/...tiff`, dark on white) or the
/// BioImLab Q-band set (`labels.csv` + `images/.../*.bmp`, bright on black, inverted to G-like
/// polarity). Each crop is segmented (threshold, largest component), turned so its long axis is
/// vertical, and flipped so the centromere (narrowest point of the width profile) is in the upper
/// half, i.e. p arm up.
final class RealChromosomeLibrary: Sendable {
    let folder: URL
    let dataset: String
    let keepQBandPolarity: Bool
    /// Relative paths by class (`1`...`22`, `X`, `Y`).
    let paths: [String: [String]]

    init(folder: URL, keepQBandPolarity: Bool) throws {
        self.folder = folder
        self.dataset = folder.lastPathComponent
        self.keepQBandPolarity = keepQBandPolarity
        let labels = folder.appendingPathComponent("labels.csv")
        guard let text = try? String(contentsOf: labels, encoding: .utf8) else {
            throw SynthError("\(folder.path) has no readable labels.csv (expected: path,...,class_index... columns)")
        }
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard !lines.isEmpty else { throw SynthError("\(labels.path) is empty") }
        let header = lines.removeFirst().split(separator: ",").map { $0.lowercased() }
        guard let pathColumn = header.firstIndex(of: "path"),
              let classColumn = header.firstIndex(where: { $0.hasPrefix("class_index") }) else {
            throw SynthError("\(labels.path) needs a path column and a class_index column")
        }
        var byClass: [String: [String]] = [:]
        for line in lines {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count > max(pathColumn, classColumn), let n = Int(f[classColumn]), (1...24).contains(n) else { continue }
            let cls = n == 23 ? "X" : n == 24 ? "Y" : String(n)
            byClass[cls, default: []].append(f[pathColumn])
        }
        guard let first = byClass.values.first?.first else { throw SynthError("\(labels.path) lists no chromosome crops") }
        if !FileManager.default.fileExists(atPath: folder.appendingPathComponent(first).path) {
            let tar = folder.appendingPathComponent("images.tar.gz")
            if FileManager.default.fileExists(atPath: tar.path) {
                throw SynthError("extract the crops first: tar -xzf \(tar.path) -C DIR, copy labels.csv to DIR, and give DIR")
            }
            throw SynthError("\(folder.appendingPathComponent(first).path) does not exist")
        }
        paths = byClass
    }

    /// Bodies for a cell's chromosomes: each normal chromosome from one random crop of its class,
    /// derivatives cut from crops of their source chromosomes at the breakpoints' fractional positions.
    func chromosomes(for specs: [ChromosomeSpec], table: BandTable, style: IdeogramStyle,
                     rng: inout SeededGenerator) throws -> [SceneChromosome] {
        var out: [SceneChromosome] = []
        // Two crops per class and cell (homologs a and b); a derivative uses the crop of the homolog
        // it replaces for its own class and the partner's other crop.
        var chosen: [String: [(String, SpriteBody)]] = [:]
        func crops(_ cls: String) throws -> [(String, SpriteBody)] {
            if let c = chosen[cls] { return c }
            guard let list = paths[cls], !list.isEmpty else { throw SynthError("no real crop of chromosome \(cls) in \(folder.path)") }
            var picked: [(String, SpriteBody)] = []
            var tries = 0
            while picked.count < 2 && tries < 12 {
                tries += 1
                let p = list[rng.int(0...list.count - 1)]
                if let s = try? load(p) { picked.append((p, s)) }
            }
            guard !picked.isEmpty else { throw SynthError("cannot read any real crop of chromosome \(cls)") }
            if picked.count == 1 { picked.append(picked[0]) }
            chosen[cls] = picked
            return picked
        }
        var seen: [String: Int] = [:]
        for spec in specs {
            let homolog = seen[spec.chromosomeClass, default: 0]
            seen[spec.chromosomeClass] = homolog + 1
            var parts: [SpriteBody] = []
            var sources: [String] = []
            for (k, seg) in spec.segments.enumerated() {
                let cs = try crops(seg.chromosome)
                let (path, sprite) = cs[k == 0 ? min(homolog, 1) : 0]
                let full = table[seg.chromosome].length
                let target = Float(full) * style.scale
                let scaled = sprite.scaled(target / max(1, sprite.length))
                parts.append(scaled.rows(from: seg.from / full, to: seg.to / full))
                sources.append("\(dataset):\(path)")
            }
            let body = parts.count == 1 ? parts[0] : SpriteBody.stack(parts)
            out.append(SceneChromosome(spec: spec, body: body, source: sources))
        }
        return out
    }

    /// Decodes, segments and orients one crop.
    func load(_ relativePath: String) throws -> SpriteBody {
        let data = try Data(contentsOf: folder.appendingPathComponent(relativePath))
        let image = try ImageCodec.decode(data, fileName: relativePath).image
        return try Self.sprite(from: image)
    }

    /// Segments a crop and returns it upright with p arm up.
    static func sprite(from image: GrayImage) throws -> SpriteBody {
        let w = image.width, h = image.height
        guard w >= 3, h >= 3 else { throw SynthError("crop too small") }
        // Polarity from the border: bright border = G-band (dark on white), else Q-band: invert.
        var border = 0, n = 0
        for x in 0..<w { border += Int(image[x, 0]) + Int(image[x, h - 1]); n += 2 }
        for y in 0..<h { border += Int(image[0, y]) + Int(image[w - 1, y]); n += 2 }
        let invert = border / n < 128
        let bg = Float(invert ? 255 - border / n : border / n)
        var dark = [Float](repeating: 0, count: w * h)
        for i in 0..<(w * h) {
            let v = Float(invert ? 255 - image.pixels[i] : image.pixels[i])
            dark[i] = max(0, min(1, (bg - v) / max(40, bg)))
        }
        // Largest 4-connected component above the threshold.
        let threshold: Float = 0.15
        var comp = [Int32](repeating: -1, count: w * h)
        var best = (label: Int32(-1), size: 0)
        var label: Int32 = 0
        var stack: [Int] = []
        for start in 0..<(w * h) where dark[start] > threshold && comp[start] < 0 {
            var size = 0
            stack.append(start); comp[start] = label
            while let i = stack.popLast() {
                size += 1
                let x = i % w, y = i / w
                for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)] where nx >= 0 && ny >= 0 && nx < w && ny < h {
                    let j = ny * w + nx
                    if comp[j] < 0 && dark[j] > threshold { comp[j] = label; stack.append(j) }
                }
            }
            if size > best.size { best = (label, size) }
            label += 1
        }
        guard best.size >= 10 else { throw SynthError("no chromosome found in crop") }
        // Principal axis of the component.
        var sx: Double = 0, sy: Double = 0
        var pts: [(Double, Double)] = []
        for i in 0..<(w * h) where comp[i] == best.label {
            let p = (Double(i % w), Double(i / w)); pts.append(p); sx += p.0; sy += p.1
        }
        let mx = sx / Double(pts.count), my = sy / Double(pts.count)
        var cxx: Double = 0, cyy: Double = 0, cxy: Double = 0
        for (x, y) in pts { cxx += (x - mx) * (x - mx); cyy += (y - my) * (y - my); cxy += (x - mx) * (y - my) }
        let theta = 0.5 * atan2(2 * cxy, cxx - cyy)   // angle of the long axis from +x
        let ax = cos(theta), ay = sin(theta)            // along
        let bx = -ay, by = ax                           // across
        var minA = Double.infinity, maxA = -Double.infinity, minB = Double.infinity, maxB = -Double.infinity
        for (x, y) in pts {
            let a = (x - mx) * ax + (y - my) * ay, b = (x - mx) * bx + (y - my) * by
            minA = min(minA, a); maxA = max(maxA, a); minB = min(minB, b); maxB = max(maxB, b)
        }
        let sw = Int(maxB - minB) + 3, sh = Int(maxA - minA) + 3
        var d = [Float](repeating: 0, count: sw * sh), c = d
        let src = SpriteBody(spriteWidth: w, spriteHeight: h, darkness: dark,
                             coverage: comp.map { $0 == best.label ? 1 : 0 })
        let masked = zip(src.darkness, src.coverage).map { $0 * $1 }
        for yy in 0..<sh {
            for xx in 0..<sw {
                let a = minA - 1 + Double(yy), b = minB - 1 + Double(xx)
                let px = Float(mx + a * ax + b * bx), py = Float(my + a * ay + b * by)
                d[yy * sw + xx] = src.sample(masked, px, py)
                c[yy * sw + xx] = src.sample(src.coverage, px, py)
            }
        }
        var sprite = SpriteBody(spriteWidth: sw, spriteHeight: sh, darkness: d, coverage: c)
        // p arm up: the narrowest row of the middle part (the centromere) belongs in the upper half.
        let widths = (0..<sh).map { y in (0..<sw).reduce(Float(0)) { $0 + c[y * sw + $1] } }
        let lo = sh * 15 / 100, hi = max(lo + 1, sh * 85 / 100)
        if let centro = (lo..<hi).min(by: { widths[$0] < widths[$1] }), centro > sh / 2 {
            sprite = SpriteBody(spriteWidth: sw, spriteHeight: sh,
                                darkness: (0..<sh).reversed().flatMap { Array(d[($0 * sw)..<(($0 + 1) * sw)]) },
                                coverage: (0..<sh).reversed().flatMap { Array(c[($0 * sw)..<(($0 + 1) * sw)]) })
        }
        return sprite
    }
}
