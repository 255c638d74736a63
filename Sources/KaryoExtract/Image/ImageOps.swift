import KaryoImage

/// Pixel statistics and simple transforms used by the layout finders (internal).
enum ImageOps {
    /// 256-bin histogram of the pixels inside `box` (whole image when nil).
    static func histogram(_ image: GrayImage, in box: PixelBox? = nil) -> [Int] {
        var hist = [Int](repeating: 0, count: 256)
        let b = box ?? PixelBox(x: 0, y: 0, width: image.width, height: image.height)
        image.pixels.withUnsafeBufferPointer { p in
            for y in max(0, b.y)...min(image.height - 1, b.maxY) {
                let row = y * image.width
                for x in max(0, b.x)...min(image.width - 1, b.maxX) { hist[Int(p[row + x])] += 1 }
            }
        }
        return hist
    }

    /// The value below which `fraction` of the histogram lies.
    static func percentile(_ hist: [Int], _ fraction: Double) -> Int {
        let total = hist.reduce(0, +)
        guard total > 0 else { return 0 }
        let target = Double(total) * fraction
        var acc = 0
        for v in 0..<256 {
            acc += hist[v]
            if Double(acc) >= target { return v }
        }
        return 255
    }

    /// Otsu's threshold of a histogram: pixels `<= t` form the dark class.
    static func otsu(_ hist: [Int]) -> Int {
        let total = Double(hist.reduce(0, +))
        guard total > 0 else { return 127 }
        var sumAll = 0.0
        for v in 0..<256 { sumAll += Double(v) * Double(hist[v]) }
        var wB = 0.0, sumB = 0.0, best = -1.0, bestT = 127
        for t in 0..<255 {
            wB += Double(hist[t])
            if wB == 0 { continue }
            let wF = total - wB
            if wF == 0 { break }
            sumB += Double(t) * Double(hist[t])
            let mB = sumB / wB, mF = (sumAll - sumB) / wF
            let between = wB * wF * (mB - mF) * (mB - mF)
            if between > best { best = between; bestT = t }
        }
        return bestT
    }

    /// `255 - v` for every pixel.
    static func inverted(_ image: GrayImage) -> GrayImage {
        GrayImage(width: image.width, height: image.height, pixels: image.pixels.map { 255 &- $0 })
    }

    /// Area-averaged reduction by an integer-free factor `scale` (0 < scale <= 1).
    static func downscaled(_ image: GrayImage, scale: Double) -> GrayImage {
        guard scale < 0.999 else { return image }
        let w = max(1, Int((Double(image.width) * scale).rounded()))
        let h = max(1, Int((Double(image.height) * scale).rounded()))
        var out = [UInt8](repeating: 0, count: w * h)
        let sx = Double(image.width) / Double(w), sy = Double(image.height) / Double(h)
        image.pixels.withUnsafeBufferPointer { p in
            for y in 0..<h {
                let y0 = Int(Double(y) * sy), y1 = max(y0 + 1, min(image.height, Int(Double(y + 1) * sy)))
                for x in 0..<w {
                    let x0 = Int(Double(x) * sx), x1 = max(x0 + 1, min(image.width, Int(Double(x + 1) * sx)))
                    var sum = 0
                    for yy in y0..<y1 {
                        let row = yy * image.width
                        for xx in x0..<x1 { sum += Int(p[row + xx]) }
                    }
                    out[y * w + x] = UInt8(sum / ((y1 - y0) * (x1 - x0)))
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// The pixels inside `box` (clipped to the image).
    static func crop(_ image: GrayImage, _ box: PixelBox) -> GrayImage {
        let b = box.intersection(PixelBox(x: 0, y: 0, width: image.width, height: image.height))
        guard !b.isEmpty else { return GrayImage(width: 0, height: 0, pixels: []) }
        var out = [UInt8](repeating: 0, count: b.width * b.height)
        image.pixels.withUnsafeBufferPointer { p in
            for y in 0..<b.height {
                let src = (b.y + y) * image.width + b.x
                for x in 0..<b.width { out[y * b.width + x] = p[src + x] }
            }
        }
        return GrayImage(width: b.width, height: b.height, pixels: out)
    }
}

extension ImageOps {
    /// 3x3 median filter (edges replicate); removes salt-and-pepper noise.
    static func median3(_ image: GrayImage) -> GrayImage {
        let w = image.width, h = image.height
        guard w >= 3, h >= 3 else { return image }
        var out = image.pixels
        image.pixels.withUnsafeBufferPointer { p in
            var win = [UInt8](repeating: 0, count: 9)
            for y in 0..<h {
                for x in 0..<w {
                    var k = 0
                    for dy in -1...1 {
                        let yy = min(h - 1, max(0, y + dy)) * w
                        for dx in -1...1 { win[k] = p[yy + min(w - 1, max(0, x + dx))]; k += 1 }
                    }
                    // partial selection sort to the 5th smallest
                    for i in 0..<5 {
                        var m = i
                        for j in (i + 1)..<9 where win[j] < win[m] { m = j }
                        win.swapAt(i, m)
                    }
                    out[y * w + x] = win[4]
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }
}
