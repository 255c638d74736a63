import Foundation
import KaryoCore

/// One rendered image with its object map and ground truth, made in memory (no files).
public struct RenderedImage: Sendable {
    /// The karyogram or metaphase, 8-bit gray.
    public let image: GrayImage
    /// Pixel value = the `ObjectTruth.id` of the chromosome drawn there, 0 = background.
    public let objectMap: GrayImage
    public let truth: ImageTruth
}

/// Renders the images of a batch one at a time, in memory, for code that consumes them directly
/// (benchmarks, ground-truth cell sets). Same images, bit for bit, as `SynthGenerator.generate`.
public struct SynthRenderer: Sendable {
    public let options: SynthOptions
    let jobs: [SynthGenerator.Job]
    let library: RealChromosomeLibrary?

    /// Plans the batch and loads the real-chromosome library, if the options name one.
    public init(options: SynthOptions) throws {
        if let problem = options.validationProblem() { throw SynthError(problem) }
        self.options = options
        self.jobs = SynthGenerator(options: options).jobs(CellPlanner.plan(options))
        self.library = try options.realChromosomes.map {
            try RealChromosomeLibrary(folder: $0, keepQBandPolarity: options.keepQBandPolarity)
        }
    }

    /// How many images the batch has.
    public var count: Int { jobs.count }

    /// Renders image `index` (0 ..< count). Safe to call from several threads at once.
    public func render(_ index: Int) throws -> RenderedImage {
        let made = try SynthGenerator.make(jobs[index], options: options, library: library)
        return RenderedImage(image: made.image, objectMap: made.labels, truth: made.truth)
    }
}
