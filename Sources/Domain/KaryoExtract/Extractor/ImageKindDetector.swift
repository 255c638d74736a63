import KaryoCore
import KaryoVision

/// Tells karyograms, metaphases and other images apart from pixel statistics and structure.
enum ImageKindDetector {
    struct Stats {
        var contrast: Int
        var backgroundShare: Double
        var foregroundShare: Double
        var objectCount: Int
    }

    static func stats(_ w: WorkingImage) -> Stats {
        let img = w.small
        let hist = ImageOps.histogram(img)
        let total = Double(max(1, img.pixels.count))
        var near = 0
        for v in max(0, w.background - 12)...min(255, w.background + 12) { near += hist[v] }
        let t = UnderlineLayoutFinder.foregroundThreshold(w)
        let fg = hist[0..<max(0, min(256, t))].reduce(0, +)
        let comps = ConnectedComponents.components(of: w.mask(below: t), minArea: max(12, img.pixels.count / 20_000))
        return Stats(contrast: w.background - w.dark, backgroundShare: Double(near) / total,
                     foregroundShare: Double(fg) / total, objectCount: comps.count)
    }

    /// Why the image is not a karyogram or metaphase, or nil when it may be a metaphase.
    static func notChromosomes(_ w: WorkingImage, _ s: Stats) -> String? {
        if w.small.width < 64 || w.small.height < 64 { return "too small to hold chromosomes (\(w.full.width)x\(w.full.height))" }
        if s.contrast < 30 { return "blank or nearly blank: gray range \(s.contrast)" }
        if s.backgroundShare < 0.4 { return String(format: "no uniform background (%.0f%% of pixels near the background gray): a photo or a drawing", s.backgroundShare * 100) }
        if s.foregroundShare > 0.35 { return String(format: "foreground covers %.0f%% of the image: a photo or a drawing", s.foregroundShare * 100) }
        if s.objectCount < 15 { return "\(s.objectCount) objects: too few for a metaphase (a single chromosome or a page)" }
        if s.objectCount > 200 { return "\(s.objectCount) objects: too many for a metaphase (text or texture)" }
        return nil
    }
}
