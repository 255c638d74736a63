import KaryoCore
import KaryoVision

/// Per-slot, per-chromosome re-thresholding. The layout finders threshold a whole box or image
/// (the box-grid finder on a denoised copy), which rounds off the outline of small faint
/// chromosomes (Q-band 22s, darkened copies) and lets the JPEG halo of bright ones spread it.
/// Each object found is cut again on the working image itself at its own threshold: the slot's
/// threshold, or a set share of the way from the slot's background to the object's darkest
/// pixel when that is stricter. The object keeps the part of its pixels that passes and grows
/// from there (by default one pixel at most) into passing pixels; two objects of one slot grow
/// together and a pixel goes to the object that reaches it first. Where the slot holds fewer
/// objects than expected, an object of chromosome size seen only at a lower threshold (just above
/// the slot's noise) is added: a faint homolog is reported, not invented.
enum SlotRefiner {
    struct Settings: Sendable {
        /// Share of the way from the background to the object's darkest pixel below which a pixel
        /// belongs to the object (when stricter than the slot's threshold).
        var contrastShare = 0.05
        /// How far (working-image pixels) an object may grow beyond its first outline (further
        /// growth took in the speckles of noisy copies).
        var reach = 1
        /// For the search for a faint homolog: the threshold lies this many noise units below the
        /// slot's background, and at least `minDelta` gray levels.
        var noiseFactor = 3.0
        var minDelta = 2
        /// Smallest faint homolog added, as a share of the area of the one already found.
        var minAddedShare = 0.3
    }

    struct Output {
        /// The slot's chromosomes, left to right.
        var objects: [Component]
        /// Gray below which a pixel belongs to each object (same order).
        var thresholds: [Int]
    }

    /// - Parameters:
    ///   - objects: the slot's chromosomes as grouped from the finder's components.
    ///   - interior: where this slot's chromosomes may lie (guides excluded).
    ///   - threshold: the slot's threshold (gray below which a pixel is foreground).
    ///   - image: the working image (dark on light).
    ///   - expected: chromosomes expected in the slot.
    static func refine(_ objects: [Component], interior: PixelBox, threshold: Int, image: GrayImage, expected: Int,
                       settings s: Settings = Settings()) -> Output? {
        let W = image.width, H = image.height
        // The interior, widened where an object reaches out of it (an object is never clipped).
        let reachOut = objects.reduce(PixelBox(x: interior.x, y: interior.y, width: 0, height: 0)) { $0.union($1.box) }
        let widened = reachOut.isEmpty ? interior
            : interior.union(PixelBox(x: reachOut.x - s.reach, y: reachOut.y - s.reach,
                                      width: reachOut.width + 2 * s.reach, height: reachOut.height + 2 * s.reach))
        let box = widened.intersection(PixelBox(x: 0, y: 0, width: W, height: H))
        guard box.width >= 5, box.height >= 5 else { return nil }
        let local = ImageOps.crop(image, box)
        let bw = local.width, bh = local.height
        let hist = ImageOps.histogram(local)
        let bg = ImageOps.percentile(hist, 0.5)
        // Seeds in local coordinates.
        let seeds: [[Int]] = objects.map { c in
            c.pixels.compactMap { p in
                let y = p / W - box.y, x = p % W - box.x
                return x >= 0 && y >= 0 && x < bw && y < bh ? y * bw + x : nil
            }
        }
        var thresholds: [Int] = []
        var owner = [Int](repeating: 0, count: bw * bh)
        var allowed = [[Bool]]()
        var queue: [Int] = []
        for (k, seed) in seeds.enumerated() {
            guard let darkest = seed.map({ Int(local.pixels[$0]) }).min() else {
                thresholds.append(threshold); allowed.append([]); continue
            }
            // Pixel passes when gray < t (the slot's rule) and <= bg - share * (bg - darkest).
            let t = min(threshold, bg - Int((s.contrastShare * Double(bg - darkest)).rounded(.up)) + 1)
            thresholds.append(t)
            var reach = [Bool](repeating: false, count: bw * bh)
            for i in seed {
                let y = i / bw, x = i - y * bw
                for yy in max(0, y - s.reach)...min(bh - 1, y + s.reach) {
                    for xx in max(0, x - s.reach)...min(bw - 1, x + s.reach) { reach[yy * bw + xx] = true }
                }
            }
            allowed.append(reach)
            var core = seed.filter { Int(local.pixels[$0]) < t }
            if core.isEmpty { core = seed }
            for i in core where owner[i] == 0 {
                owner[i] = k + 1
                queue.append(i)
            }
        }
        var head = 0
        while head < queue.count {
            let i = queue[head]; head += 1
            let k = owner[i] - 1
            let y = i / bw, x = i - y * bw
            for dy in -1...1 {
                let ny = y + dy
                guard ny >= 0, ny < bh else { continue }
                for dx in -1...1 where dx != 0 || dy != 0 {
                    let nx = x + dx
                    guard nx >= 0, nx < bw else { continue }
                    let j = ny * bw + nx
                    if owner[j] == 0, allowed[k][j], Int(local.pixels[j]) < thresholds[k] {
                        owner[j] = k + 1
                        queue.append(j)
                    }
                }
            }
        }
        var grown: [[Int]] = Array(repeating: [], count: objects.count)
        for i in owner.indices where owner[i] > 0 {
            let y = i / bw, x = i - y * bw
            grown[owner[i] - 1].append((y + box.y) * W + x + box.x)
        }
        var out: [(Component, Int)] = objects.indices.map { k in
            (grown[k].isEmpty ? objects[k] : Component(pixels: grown[k], imageWidth: W), thresholds[k])
        }
        if out.count < expected {
            let known = out.map(\.0).map { c in
                PixelBox(x: c.box.x - box.x, y: c.box.y - box.y, width: c.box.width, height: c.box.height)
            }
            out += faintHomologs(local, box: box, imageWidth: W, background: bg, taken: owner,
                                 known: zip(known, out.map(\.0.area)).map { ($0, $1) }, count: expected - out.count, settings: s)
        }
        out.sort { $0.0.box.centerX < $1.0.box.centerX }
        return Output(objects: out.map(\.0), thresholds: out.map(\.1))
    }

    /// Objects of chromosome size at a threshold just above the slot's noise, apart from what is
    /// already taken (`taken[i] > 0`), largest first. A candidate must look like a homolog of the
    /// chromosomes already found (`known`: local boxes and areas): at least `minAddedShare` of
    /// their area, at most twice their height and three times their width, beside them (its rows
    /// overlap theirs), and clear of the slot's edges (frame and line remnants).
    static func faintHomologs(_ local: GrayImage, box: PixelBox, imageWidth W: Int, background bg: Int, taken: [Int],
                              known: [(box: PixelBox, area: Int)], count: Int, settings s: Settings) -> [(Component, Int)] {
        guard let maxArea = known.map(\.area).max(), let maxH = known.map(\.box.height).max(),
              let maxW = known.map(\.box.width).max() else { return [] }
        let bw = local.width, bh = local.height
        let clean = ImageOps.median3(local)
        let hist = ImageOps.histogram(clean)
        var noiseSum = 0, noiseN = 0
        for v in max(0, bg - 10)...min(255, bg + 10) { noiseSum += abs(v - bg) * hist[v]; noiseN += hist[v] }
        let noise = noiseN > 0 ? Double(noiseSum) / Double(noiseN) : 0
        let t = bg - max(s.minDelta, Int((s.noiseFactor * noise).rounded(.up)))
        var mask = BinaryMask(width: bw, height: bh)
        for i in taken.indices where taken[i] == 0 && Int(clean.pixels[i]) < t { mask.bits[i] = true }
        // Keep a two-pixel gap to what is already taken (its faint rim is not another object).
        for i in taken.indices where taken[i] > 0 {
            let y = i / bw, x = i - y * bw
            for ny in max(0, y - 2)...min(bh - 1, y + 2) {
                for nx in max(0, x - 2)...min(bw - 1, x + 2) { mask.bits[ny * bw + nx] = false }
            }
        }
        let minArea = max(6, Int(s.minAddedShare * Double(maxArea)))
        let found = ConnectedComponents.components(of: mask, minArea: minArea).filter { c in
            let b = c.box
            let clear = b.x > 2 && b.y > 2 && b.maxX < bw - 3 && b.maxY < bh - 3
            let sized = b.width >= 2 && b.height >= 3 && b.height <= 2 * maxH && b.width <= 3 * maxW
            let beside = known.contains { k in min(k.box.maxY, b.maxY) >= max(k.box.y, b.y) }
            return clear && sized && beside
        }.sorted { $0.area > $1.area }
        return found.prefix(count).map { c in
            (Component(pixels: c.pixels.map { i in
                let y = i / bw, x = i - y * bw
                return (y + box.y) * W + x + box.x
            }, imageWidth: W), t)
        }
    }
}
