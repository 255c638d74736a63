/// Labelled images held in memory as Float32, NCHW, with integer class labels.
public struct ImageDataset: Sendable {
    /// All pixels, image after image.
    public private(set) var pixels: [Float]
    public private(set) var labels: [Int]
    public let channels: Int, height: Int, width: Int

    /// Number of images.
    public var count: Int { labels.count }
    /// Elements per image.
    public var imageSize: Int { channels * height * width }

    /// Creates a dataset; `pixels.count` must be `labels.count × channels × height × width`.
    public init(pixels: [Float], labels: [Int], channels: Int, height: Int, width: Int) throws {
        let expected = labels.count * channels * height * width
        guard pixels.count == expected else {
            throw KaryoNetError.shapeMismatch(tensor: "dataset pixels", expected: [labels.count, channels, height, width],
                                              actual: [pixels.count])
        }
        self.pixels = pixels; self.labels = labels
        self.channels = channels; self.height = height; self.width = width
    }

    /// The pixels of image `i`.
    public func image(_ i: Int) -> ArraySlice<Float> { pixels[(i * imageSize)..<((i + 1) * imageSize)] }

    /// A subset by indices.
    public func subset(_ indices: [Int]) -> ImageDataset {
        var p: [Float] = []
        p.reserveCapacity(indices.count * imageSize)
        for i in indices { p.append(contentsOf: image(i)) }
        // swiftlint:disable:next force_try
        return try! ImageDataset(pixels: p, labels: indices.map { labels[$0] }, channels: channels, height: height, width: width)
    }

    /// A batch tensor [n, C, H, W] and its labels, optionally transforming each image.
    public func batch(_ indices: [Int], transform: ((inout [Float]) -> Void)? = nil) -> (Tensor, [Int]) {
        var out = [Float]()
        out.reserveCapacity(indices.count * imageSize)
        for i in indices {
            if let transform {
                var img = Array(image(i))
                transform(&img)
                out.append(contentsOf: img)
            } else {
                out.append(contentsOf: image(i))
            }
        }
        return (Tensor(out, shape: [indices.count, channels, height, width]), indices.map { labels[$0] })
    }
}
