import Foundation
import KaryoCore
import KaryoVision

/// Parameters of `MetaphaseSegmenter`.
public struct SegmentationOptions: Sendable, Hashable {
    /// Minimum darkness above the local background for a pixel to belong to an object.
    public var minimumContrast: Int
    /// Split clusters of touching chromosomes at narrow necks (distance-transform watershed).
    public var splitTouching: Bool
    /// Smallest object kept, as a fraction of the median object area.
    public var debrisFraction: Double
    /// The extent threshold as a fraction of Otsu's (seed) threshold.
    public var lowFraction: Double
    /// Look again, at a lower threshold, for chromosomes far fainter than the rest (uneven
    /// staining or hybridization leaves some at half the brightness of the others).
    public var recoverFaint: Bool

    public init(minimumContrast: Int = 10, splitTouching: Bool = true, debrisFraction: Double = 0.12, lowFraction: Double = 0.9,
                recoverFaint: Bool = true) {
        self.minimumContrast = minimumContrast; self.splitTouching = splitTouching; self.debrisFraction = debrisFraction
        self.lowFraction = lowFraction; self.recoverFaint = recoverFaint
    }
}

/// Segments the chromosomes of a metaphase spread.
///
/// 1. Polarity: bright-on-dark images (Q-band, DAPI) are inverted so chromosomes are dark on light.
/// 2. Background: the 90th percentile of blocks of about 1/12 of the image, interpolated bilinearly.
/// 3. Threshold with hysteresis on the darkness above the background (Otsu's threshold for seeds,
///    `lowFraction` (0.9: measured best on ADIR and cabinh against 0.5 and 0.7) of it, at least
///    `minimumContrast`, for the extent); holes smaller than a chromosome filled.
///    When large round blobs (over 1.2% of the image: nuclei) are found, Otsu's threshold is computed
///    again without them, so bright nuclei do not hide faint chromosomes.
/// 4. Connected components (8-connected), measured against the median component area `A`:
///    smaller than `debrisFraction·A` is debris; large, round and convex (over 4·A, or over 1.2% of the
///    image) is a nucleus; huge, or touching the image edge and over 4·A or 40% of a side, is rejected.
/// 5. Components larger than 1.7·A (or concave) are split by a watershed on the distance transform
///    from h-maxima markers; cuts are kept only at narrow necks (contact shorter than 0.6 of the
///    thinner part's width), so a single bent chromosome is not cut at its centromere.
/// 6. What stays large (over 2.6·A), or is over 1.3·A, concave and without one long axis (an X of two
///    chromosomes crossing), is kept whole with `isOverlap`.
/// 7. Faint chromosomes (`recoverFaint`): Otsu's threshold is computed again on what the first
///    pass left (its foreground grown by 2 pixels masked out). When that finds a population clearly
///    above the noise (at least `minimumContrast` + 4) and at most half the first threshold, the
///    image is thresholded again at that level, and its components that hold no pixel of the first
///    pass and are at least a quarter of `A` go through steps 4-6 (on the held-out ADIR images:
///    915 → 923 of 1532 chromosomes segmented as one object; cabinh unchanged).
///
/// Never traps on any image size (an empty or tiny image gives no objects).
public struct MetaphaseSegmenter: Sendable {
    public var options: SegmentationOptions

    public init(options: SegmentationOptions = SegmentationOptions()) { self.options = options }

    /// Segments `image` (any 8-bit gray image).
    public func segment(_ image: GrayImage) -> MetaphaseSegmentation {
        let w = image.width, h = image.height
        guard w >= 8, h >= 8 else {
            return MetaphaseSegmentation(polarity: .darkOnLight, normalized: image, background: image, objects: [],
                                         rejected: [], threshold: 0, medianArea: 0)
        }
        let polarity = Self.detectPolarity(image.pixels)
        var px = image.pixels
        if polarity == .brightOnDark { for i in px.indices { px[i] = 255 - px[i] } }
        let normalized = GrayImage(width: w, height: h, pixels: px)
        let smooth = ImageOps.boxBlur3(px, width: w, height: h)
        let bg = ImageOps.background(smooth, width: w, height: h)
        var dark = [UInt8](repeating: 0, count: w * h)
        for i in dark.indices { dark[i] = UInt8(max(0, Int(bg[i]) - Int(smooth[i]))) }
        var hist = [Int](repeating: 0, count: 256)
        for v in dark { hist[Int(v)] += 1 }
        let otsu = (Threshold.otsu(hist).map { $0 + 1 } ?? 0)
        var (low, high) = (max(options.minimumContrast, Int(Double(otsu) * options.lowFraction)), max(options.minimumContrast + 4, otsu))
        var (mask, labels, comps) = threshold(dark, width: w, height: h, low: low, high: high)
        // Interphase nuclei (large, round, often far brighter in fluorescence) pull Otsu's threshold
        // up and faint chromosomes are lost: threshold again without their pixels.
        let imageArea = Double(w * h)
        func isNucleusLike(_ c: LabelledRegion) -> Bool {
            guard Double(c.area) > 0.012 * imageArea else { return false }
            let m = ConnectedComponents.mask(of: c.label, in: labels.labels, box: c.box, imageWidth: w)
            let sh = Shape(mask: m, width: c.box.width, height: c.box.height)
            return sh.solidity > 0.8 && sh.minorOverMajor > 0.45
        }
        let nuclei = comps.filter(isNucleusLike)
        if !nuclei.isEmpty {
            let nucleusLabels = Set(nuclei.map(\.label))
            var hist2 = [Int](repeating: 0, count: 256)
            for i in dark.indices where !nucleusLabels.contains(labels.labels[i]) { hist2[Int(dark[i])] += 1 }
            let otsu2 = (Threshold.otsu(hist2).map { $0 + 1 } ?? 0)
            if otsu2 < otsu {
                (low, high) = (max(options.minimumContrast, Int(Double(otsu2) * options.lowFraction)), max(options.minimumContrast + 4, otsu2))
                (mask, labels, comps) = threshold(dark, width: w, height: h, low: low, high: high)
            }
        }
        _ = mask
        let areas = comps.filter { !isNucleusLike($0) }.map(\.area).filter { $0 >= 12 }.sorted()
        // The median of the larger half is robust to many small specks.
        let reference: Int = {
            guard !areas.isEmpty else { return 0 }
            let big = areas.suffix(max(1, areas.count * 2 / 3))
            return Array(big)[big.count / 2]
        }()
        let a = Double(max(reference, 1))
        var (objects, rejected) = accept(comps, labels: labels.labels, dark: dark, width: w, height: h, referenceArea: a)
        if options.recoverFaint, reference > 0, let faint = faintThreshold(dark, firstPass: labels.labels, width: w, height: h, otsu: high) {
            // A fainter population: components of a second threshold at its level that hold no
            // pixel of the first pass (those would be the halo of what was found) are added.
            let (_, labels2, comps2) = threshold(dark, width: w, height: h, low: faint.low, high: faint.high)
            var seen = [Bool](repeating: false, count: comps2.count + 1)
            for i in labels2.labels.indices where labels2.labels[i] != 0 && labels.labels[i] != 0 { seen[Int(labels2.labels[i])] = true }
            let fresh = comps2.filter { !seen[Int($0.label)] && Double($0.area) >= 0.25 * a }
            let more = accept(fresh, labels: labels2.labels, dark: dark, width: w, height: h, referenceArea: a, firstID: objects.count)
            objects += more.objects
            rejected += more.rejected
        }
        let singles = objects.filter { !$0.isOverlap }.map(\.area).sorted()
        return MetaphaseSegmentation(
            polarity: polarity, normalized: normalized, background: GrayImage(width: w, height: h, pixels: bg),
            objects: objects, rejected: rejected, threshold: low,
            medianArea: singles.isEmpty ? 0 : singles[singles.count / 2])
    }

    /// Steps 4-6 for the components `comps` of `labels`: debris, nuclei and edge blobs rejected,
    /// clusters split, overlaps flagged. `a` is the reference (median chromosome) area.
    private func accept(_ comps: [LabelledRegion], labels: [Int32], dark: [UInt8], width w: Int, height h: Int,
                        referenceArea a: Double, firstID: Int = 0) -> (objects: [SegmentedObject], rejected: [RejectedObject]) {
        let imageArea = Double(w * h)
        var objects: [SegmentedObject] = []
        var rejected: [RejectedObject] = []
        for c in comps {
            let box = c.box
            if Double(c.area) < max(12, options.debrisFraction * a) {
                rejected.append(RejectedObject(box: box, area: c.area, reason: .debris)); continue
            }
            let touchesEdge = box.x == 0 || box.y == 0 || box.x + box.width == w || box.y + box.height == h
            // Scanner borders and cut-off blobs at the edge: no chromosome spans 40% of the image.
            let edgeBlob = touchesEdge && (Double(box.width) > 0.4 * Double(w) || Double(box.height) > 0.4 * Double(h)
                                           || Double(c.area) > 4 * a)
            if Double(c.area) > max(60 * a, 0.25 * imageArea) || (box.width >= w - 2 && box.height >= h - 2) || edgeBlob {
                rejected.append(RejectedObject(box: box, area: c.area, reason: .tooLarge)); continue
            }
            let localMask = ConnectedComponents.mask(of: c.label, in: labels, box: box, imageWidth: w)
            let shape = Shape(mask: localMask, width: box.width, height: box.height)
            if (Double(c.area) > 4 * a && shape.solidity > 0.88 && shape.minorOverMajor > 0.55)
                || (Double(c.area) > 0.012 * imageArea && shape.solidity > 0.8 && shape.minorOverMajor > 0.45) {
                rejected.append(RejectedObject(box: box, area: c.area, reason: .nucleus)); continue
            }
            var pieces: [(mask: [Bool], box: PixelBox, split: Bool)] = [(localMask, box, false)]
            if options.splitTouching && (Double(c.area) > 1.7 * a || (shape.solidity < 0.6 && Double(c.area) > 1.2 * a)) {
                var localDark = [Float](repeating: 0, count: box.width * box.height)
                for y in 0..<box.height { for x in 0..<box.width { localDark[y * box.width + x] = Float(dark[(box.y + y) * w + box.x + x]) } }
                let parts = Splitter.split(mask: localMask, darkness: localDark, width: box.width, height: box.height, referenceArea: a)
                if parts.count > 1 {
                    pieces = parts.map { p in
                        let (m, b) = ImageOps.croppedToContent(p, width: box.width, height: box.height)
                        return (m, PixelBox(x: box.x + b.x, y: box.y + b.y, width: b.width, height: b.height), true)
                    }
                }
            }
            for p in pieces {
                let s = Shape(mask: p.mask, width: p.box.width, height: p.box.height)
                let area = s.area
                if Double(area) < max(12, options.debrisFraction * a) { continue }
                // Two chromosomes crossing: large, or concave and branched (no single long axis).
                let large = Double(area) > 1.3 * a
                let overlap = Double(area) > 2.6 * a || (large && s.solidity < 0.5)
                    || (large && s.solidity < 0.68 && s.minorOverMajor > 0.6)
                objects.append(SegmentedObject(
                    id: firstID + objects.count, box: p.box, mask: ObjectMask(width: p.box.width, height: p.box.height, bits: p.mask),
                    area: area, length: s.length, width: s.thickness, angleDegrees: s.angleDegrees,
                    isOverlap: overlap, wasSplit: p.split))
            }
        }
        return (objects, rejected)
    }

    /// Step 7: the thresholds of a fainter population: Otsu's threshold of what the first pass
    /// left (its foreground grown by 2 pixels masked out), when that is clearly above the noise
    /// and at most half the first threshold `otsu`; nil otherwise.
    private func faintThreshold(_ dark: [UInt8], firstPass: [Int32], width w: Int, height h: Int, otsu: Int) -> (low: Int, high: Int)? {
        var hist = [Int](repeating: 0, count: 256)
        var near = [Bool](repeating: false, count: dark.count)
        for i in firstPass.indices where firstPass[i] != 0 {
            let x = i % w, y = i / w
            for yy in max(0, y - 2)...min(h - 1, y + 2) { for xx in max(0, x - 2)...min(w - 1, x + 2) { near[yy * w + xx] = true } }
        }
        for i in dark.indices where !near[i] { hist[Int(dark[i])] += 1 }
        let faintOtsu = (Threshold.otsu(hist).map { $0 + 1 } ?? 0)
        guard faintOtsu >= options.minimumContrast + 4, 2 * faintOtsu <= otsu else { return nil }
        return (max(options.minimumContrast, Int(Double(faintOtsu) * options.lowFraction)), faintOtsu)
    }

    /// Hysteresis threshold, small holes filled, 8-connected components.
    private func threshold(_ dark: [UInt8], width w: Int, height h: Int, low: Int, high: Int)
        -> ([Bool], LabelMap, [LabelledRegion]) {
        var mask = ImageOps.hysteresis(dark, width: w, height: h, low: low, high: high)
        ImageOps.fillHoles(&mask, width: w, height: h, maxHole: max(16, w * h / 2000))
        let labels = ConnectedComponents.labelMap(of: BinaryMask(width: w, height: h, bits: mask))
        let comps = ConnectedComponents.regions(of: labels, width: w, height: h)
        return (mask, labels, comps)
    }

    /// Bright-on-dark when the bulk of the image (its median) is dark, or, for mid-gray images,
    /// when the objects pull the mean above the median.
    static func detectPolarity(_ pixels: [UInt8]) -> Polarity {
        var hist = [Int](repeating: 0, count: 256)
        for v in pixels { hist[Int(v)] += 1 }
        var acc = 0, median = 0
        for v in 0..<256 { acc += hist[v]; if acc * 2 >= pixels.count { median = v; break } }
        let mean = pixels.isEmpty ? 0 : Double(pixels.reduce(0) { $0 + Int($1) }) / Double(pixels.count)
        if median < 100 { return .brightOnDark }
        if median > 155 { return .darkOnLight }
        return mean > Double(median) ? .brightOnDark : .darkOnLight
    }
}

/// Shape measures of a binary mask: area, principal axes, convex-hull solidity.
struct Shape {
    var area = 0
    var length = 0.0, thickness = 0.0, angleDegrees = 0.0
    var solidity = 1.0
    var minorOverMajor = 1.0
    var centroid = (x: 0.0, y: 0.0)
    /// Unit vector of the long axis (x, y).
    var axis = (x: 0.0, y: 1.0)

    init(mask: [Bool], width: Int, height: Int) {
        var sx = 0.0, sy = 0.0, n = 0
        for y in 0..<height { for x in 0..<width where mask[y * width + x] { sx += Double(x); sy += Double(y); n += 1 } }
        area = n
        guard n > 0 else { return }
        let cx = sx / Double(n), cy = sy / Double(n)
        centroid = (cx, cy)
        var mxx = 0.0, myy = 0.0, mxy = 0.0
        for y in 0..<height {
            for x in 0..<width where mask[y * width + x] {
                let dx = Double(x) - cx, dy = Double(y) - cy
                mxx += dx * dx; myy += dy * dy; mxy += dx * dy
            }
        }
        mxx /= Double(n); myy /= Double(n); mxy /= Double(n)
        let theta = 0.5 * atan2(2 * mxy, mxx - myy)  // angle of the major axis from +x
        let common = ((mxx - myy) * (mxx - myy) / 4 + mxy * mxy).squareRoot()
        let l1 = (mxx + myy) / 2 + common, l2 = (mxx + myy) / 2 - common
        minorOverMajor = l1 > 0 ? (max(l2, 0) / l1).squareRoot() : 1
        let ux = cos(theta), uy = sin(theta)
        axis = (ux, uy)
        var lo = Double.infinity, hi = -Double.infinity, lo2 = Double.infinity, hi2 = -Double.infinity
        var hull: [(Int, Int)] = []
        for y in 0..<height {
            var first = -1, last = -1
            for x in 0..<width where mask[y * width + x] {
                let dx = Double(x) - cx, dy = Double(y) - cy
                let p = dx * ux + dy * uy, q = -dx * uy + dy * ux
                lo = min(lo, p); hi = max(hi, p); lo2 = min(lo2, q); hi2 = max(hi2, q)
                if first < 0 { first = x }
                last = x
            }
            if first >= 0 {
                hull.append((first, y)); hull.append((last + 1, y)); hull.append((first, y + 1)); hull.append((last + 1, y + 1))
            }
        }
        length = hi - lo + 1; thickness = hi2 - lo2 + 1
        // Angle of the long axis from the vertical, in (-90, 90].
        var a = theta * 180 / .pi - 90
        while a <= -90 { a += 180 }
        while a > 90 { a -= 180 }
        angleDegrees = a
        let hullArea = Shape.convexHullArea(hull)
        solidity = hullArea > 0 ? min(1, Double(n) / hullArea) : 1
    }

    /// Area of the convex hull of pixel-corner points (Andrew's monotone chain).
    static func convexHullArea(_ points: [(Int, Int)]) -> Double {
        let pts = points.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        guard pts.count >= 3 else { return 0 }
        func cross(_ o: (Int, Int), _ a: (Int, Int), _ b: (Int, Int)) -> Int {
            (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
        }
        var lower: [(Int, Int)] = [], upper: [(Int, Int)] = []
        for p in pts {
            while lower.count >= 2 && cross(lower[lower.count - 2], lower[lower.count - 1], p) <= 0 { lower.removeLast() }
            lower.append(p)
        }
        for p in pts.reversed() {
            while upper.count >= 2 && cross(upper[upper.count - 2], upper[upper.count - 1], p) <= 0 { upper.removeLast() }
            upper.append(p)
        }
        let hull = Array(lower.dropLast() + upper.dropLast())
        var s = 0
        for i in hull.indices {
            let a = hull[i], b = hull[(i + 1) % hull.count]
            s += a.0 * b.1 - b.0 * a.1
        }
        return Double(abs(s)) / 2
    }
}
