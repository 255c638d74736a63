/// Pooling after the stem convolution.
import KaryoCore

public enum StemPooling: String, Sendable, Codable {
    /// torchvision: 3×3 max pooling, stride 2, padding 1.
    case max
    /// The paper's variant: 3×3 average pooling, stride 2, padding 1 (padding counted, as
    /// PyTorch's `nn.AvgPool2d` default).
    case average
}

/// The residual block type.
public enum BlockKind: String, Sendable, Codable {
    /// Two 3×3 convolutions (ResNet-18/34).
    case basic
    /// 1×1, 3×3 (strided), 1×1 with 4× expansion (ResNet-50, torchvision v1.5).
    case bottleneck
}

/// Everything that defines a ResNet's architecture.
public struct ResNetConfiguration: Hashable, Sendable, Codable {
    public var block: BlockKind
    /// Blocks per stage, e.g. [3, 4, 6, 3] for ResNet-50.
    public var layers: [Int]
    /// Channels of the stem and first stage (64 in torchvision).
    public var width: Int
    public var inputChannels: Int
    public var classes: Int
    public var stemPooling: StemPooling
    /// Dropout probability before `fc` (0 in torchvision; needed for MC-dropout).
    public var dropout: Float

    public init(block: BlockKind, layers: [Int], width: Int = 64, inputChannels: Int = 3, classes: Int = 1000,
                stemPooling: StemPooling = .max, dropout: Float = 0) {
        self.block = block; self.layers = layers; self.width = width; self.inputChannels = inputChannels
        self.classes = classes; self.stemPooling = stemPooling; self.dropout = dropout
    }

    /// A short name such as `resnet50` or `resnet-basic-1-1-1-1-w4`, stored in checkpoints.
    public var architectureName: String {
        let base: String? = switch (block, layers) {
        case (.basic, [2, 2, 2, 2]): "resnet18"
        case (.basic, [3, 4, 6, 3]): "resnet34"
        case (.bottleneck, [3, 4, 6, 3]): "resnet50"
        default: nil
        }
        if let base, width == 64 { return base }
        return "resnet-\(block.rawValue)-\(layers.map(String.init).joined(separator: "-"))-w\(width)"
    }
}

/// One residual block with torchvision's structure and parameter names.
public final class ResidualBlock {
    public let kind: BlockKind
    /// conv1/bn1, conv2/bn2 and (bottleneck) conv3/bn3.
    public let units: [ConvBN]
    /// The projection shortcut (`downsample.0` / `downsample.1`), if any.
    public let downsample: ConvBN?

    init(kind: BlockKind, inChannels: Int, planes: Int, stride: Int, generator g: inout SeededGenerator) {
        self.kind = kind
        let out: Int
        switch kind {
        case .basic:
            out = planes
            units = [
                ConvBN(Conv2d(inChannels, planes, kernel: 3, stride: stride, padding: 1, generator: &g), BatchNorm2d(planes)),
                ConvBN(Conv2d(planes, planes, kernel: 3, padding: 1, generator: &g), BatchNorm2d(planes)),
            ]
        case .bottleneck:
            out = planes * 4
            units = [
                ConvBN(Conv2d(inChannels, planes, kernel: 1, generator: &g), BatchNorm2d(planes)),
                ConvBN(Conv2d(planes, planes, kernel: 3, stride: stride, padding: 1, generator: &g), BatchNorm2d(planes)),
                ConvBN(Conv2d(planes, out, kernel: 1, generator: &g), BatchNorm2d(out)),
            ]
        }
        downsample = (stride != 1 || inChannels != out)
            ? ConvBN(Conv2d(inChannels, out, kernel: 1, stride: stride, generator: &g), BatchNorm2d(out)) : nil
    }

    /// `consumesInput`: `x` is an intermediate result nobody reads after this block (as inside
    /// `ResNet`), so in inference its storage may receive the block's output.
    func callAsFunction(_ x: Variable, _ tape: Tape, consumesInput: Bool = false) -> Variable {
        let identity = downsample.map { $0(x, tape) } ?? x
        var y = x
        for unit in units.dropLast() { y = unit(y, tape, relu: true) }
        return units[units.count - 1](y, tape, relu: true, residual: identity,
                                      overwritingResidual: consumesInput || downsample != nil)
    }

    func namedUnits(_ prefix: String) -> [(conv: String, bn: String, unit: ConvBN)] {
        var result = units.enumerated().map { i, u in ("\(prefix)conv\(i + 1)", "\(prefix)bn\(i + 1)", u) }
        if let downsample { result.append(("\(prefix)downsample.0", "\(prefix)downsample.1", downsample)) }
        return result
    }
}

/// A ResNet as in torchvision (`conv1`, `bn1`, `layer1`…`layer4`, `fc`), with the paper's variant
/// and small test configurations.
public final class ResNet {
    public let configuration: ResNetConfiguration
    public let stem: ConvBN
    /// Stages of residual blocks (`layer1`…`layer4`).
    public let stages: [[ResidualBlock]]
    public let fc: Linear

    /// Builds a freshly initialized network (torchvision's initialization, seeded).
    public init(_ configuration: ResNetConfiguration, seed: UInt64 = 0) {
        self.configuration = configuration
        var g = SeededGenerator(seed: seed)
        let w = configuration.width
        let stemConv = Conv2d(configuration.inputChannels, w, kernel: 7, stride: 2, padding: 3, generator: &g)
        stemConv.computesInputGradient = false
        stem = ConvBN(stemConv, BatchNorm2d(w))
        let expansion = configuration.block == .bottleneck ? 4 : 1
        var inChannels = w
        var stages: [[ResidualBlock]] = []
        for (s, count) in configuration.layers.enumerated() {
            let planes = w << s
            var blocks: [ResidualBlock] = []
            for b in 0..<count {
                blocks.append(ResidualBlock(kind: configuration.block, inChannels: inChannels, planes: planes,
                                            stride: (b == 0 && s > 0) ? 2 : 1, generator: &g))
                inChannels = planes * expansion
            }
            stages.append(blocks)
        }
        self.stages = stages
        fc = Linear(inChannels, configuration.classes, generator: &g)
        for (name, v) in namedParameters { v.name = name }
    }

    /// ResNet-18 (torchvision).
    public static func resnet18(inputChannels: Int = 3, classes: Int = 1000, seed: UInt64 = 0) -> ResNet {
        ResNet(ResNetConfiguration(block: .basic, layers: [2, 2, 2, 2], inputChannels: inputChannels, classes: classes), seed: seed)
    }
    /// ResNet-34 (torchvision).
    public static func resnet34(inputChannels: Int = 3, classes: Int = 1000, seed: UInt64 = 0) -> ResNet {
        ResNet(ResNetConfiguration(block: .basic, layers: [3, 4, 6, 3], inputChannels: inputChannels, classes: classes), seed: seed)
    }
    /// ResNet-50 (torchvision, v1.5: stride in the 3×3 convolution).
    public static func resnet50(inputChannels: Int = 3, classes: Int = 1000, seed: UInt64 = 0) -> ResNet {
        ResNet(ResNetConfiguration(block: .bottleneck, layers: [3, 4, 6, 3], inputChannels: inputChannels, classes: classes), seed: seed)
    }
    /// The paper's variant: ResNet-50 with average pooling after the stem, 1 input channel, 2 classes.
    public static func paperVariant(dropout: Float = 0, seed: UInt64 = 0) -> ResNet {
        ResNet(ResNetConfiguration(block: .bottleneck, layers: [3, 4, 6, 3], inputChannels: 1, classes: 2,
                                   stemPooling: .average, dropout: dropout), seed: seed)
    }
    /// A small ResNet for tests: basic blocks [1, 1, 1, 1] with `width` stem channels.
    public static func small(width: Int = 4, inputChannels: Int = 1, classes: Int = 2,
                             stemPooling: StemPooling = .max, dropout: Float = 0, seed: UInt64 = 0) -> ResNet {
        ResNet(ResNetConfiguration(block: .basic, layers: [1, 1, 1, 1], width: width, inputChannels: inputChannels,
                                   classes: classes, stemPooling: stemPooling, dropout: dropout), seed: seed)
    }

    /// Checks that images of `shape` [N, C, H, W] fit this network.
    /// - Throws: `KaryoNetError.shapeMismatch` naming the input and the first layer.
    public func checkInput(_ shape: [Int], name: String = "images") throws {
        let c = configuration.inputChannels
        guard shape.count == 4, shape[1] == c, shape[0] > 0 else {
            throw KaryoNetError.shapeMismatch(
                tensor: "\(name) (input of conv1.weight \(stem.conv.weight.shape))",
                expected: [shape.first ?? 1, c, shape.count > 2 ? shape[2] : 90, shape.count > 3 ? shape[3] : 90],
                actual: shape)
        }
        guard shape[2] >= 8, shape[3] >= 8 else {
            throw KaryoNetError.invalidArgument("\(name) of \(shape[2])×\(shape[3]) pixels are too small for a ResNet (at least 8×8)")
        }
    }

    /// Logits [N, classes] for images [N, C, H, W] (see `checkInput` for a throwing shape check).
    public func callAsFunction(_ x: Variable, _ tape: Tape) -> Variable {
        var y = stem(x, tape, relu: true)
        let pool = PoolGeometry(configuration.stemPooling == .max ? .max : .average(countIncludePad: true),
                                kernel: 3, stride: 2, padding: 1)
        y = tape.pool2d(y, geometry: pool)
        // Every block input here is an intermediate result of this call (the stem's pooled output
        // or the previous block's output), dead once the block has run.
        for stage in stages { for block in stage { y = block(y, tape, consumesInput: true) } }
        y = tape.globalAveragePool(y)
        y = tape.dropout(y, p: configuration.dropout)
        return fc(y, tape)
    }

    /// Every convolution/batch-norm pair with its torchvision names, in registration order.
    public var namedUnits: [(conv: String, bn: String, unit: ConvBN)] {
        var result = [(conv: "conv1", bn: "bn1", unit: stem)]
        for (s, stage) in stages.enumerated() {
            for (b, block) in stage.enumerated() { result += block.namedUnits("layer\(s + 1).\(b).") }
        }
        return result
    }

    /// Trainable parameters with torchvision names, in torchvision's order.
    public var namedParameters: [(name: String, variable: Variable)] {
        var result: [(name: String, variable: Variable)] = []
        for (conv, bn, unit) in namedUnits {
            result.append(("\(conv).weight", unit.conv.weight))
            if let b = unit.conv.bias { result.append(("\(conv).bias", b)) }
            result.append(("\(bn).weight", unit.bn.weight))
            result.append(("\(bn).bias", unit.bn.bias))
        }
        result.append(("fc.weight", fc.weight))
        result.append(("fc.bias", fc.bias))
        return result
    }

    /// Batch-norm layers with their torchvision names.
    public var namedBatchNorms: [(name: String, layer: BatchNorm2d)] { namedUnits.map { ($0.bn, $0.unit.bn) } }

    /// Number of trainable scalars.
    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.variable.value.count } }

    /// Folds every batch norm into its convolution for inference (`unfold` undoes it).
    public func foldBatchNorm() { for u in namedUnits { u.unit.fold() } }
    /// Drops folded copies so the network computes from its current parameters again.
    public func unfoldBatchNorm() { for u in namedUnits { u.unit.unfold() } }
    /// True when `foldBatchNorm()` is in effect.
    public var isFolded: Bool { stem.folded != nil }
}
