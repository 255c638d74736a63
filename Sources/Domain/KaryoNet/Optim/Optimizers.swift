import Foundation

/// Updates parameters from their gradients.
public protocol Optimizer: AnyObject {
    /// The parameters being optimized.
    var parameters: [Variable] { get }
    /// Applies one update with learning rate `lr`, using each parameter's `grad` (plain).
    func step(learningRate lr: Float)
}

extension Optimizer {
    /// Clears every parameter's gradient.
    public func zeroGradients() { for p in parameters { p.grad = nil } }
}

/// The gradient of `p` in the layout of its value (updates are element-wise over the raw
/// storage, so a backend may keep a parameter in its own layout between steps).
func checkedGradient(_ p: Variable) -> Tensor? {
    guard let grad = p.grad else { return nil }
    precondition(grad.shape == p.shape, "gradient of '\(p.name)' has shape \(grad.shape), expected \(p.shape)")
    if grad.hasSameLayout(as: p.value) { return grad }
    if p.value.isPlain { return grad.plain() }
    p.value = p.value.plain()
    return grad.plain()
}

/// Stochastic gradient descent with momentum, Nesterov momentum and (coupled, L2) weight decay,
/// with PyTorch's `torch.optim.SGD` semantics (dampening 0).
public final class SGD: Optimizer {
    public let parameters: [Variable]
    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float
    private var buffers: [Tensor?]

    public init(_ parameters: [Variable], momentum: Float = 0.9, nesterov: Bool = false, weightDecay: Float = 0) {
        self.parameters = parameters
        self.momentum = momentum; self.nesterov = nesterov; self.weightDecay = weightDecay
        buffers = Array(repeating: nil, count: parameters.count)
    }

    public func step(learningRate lr: Float) {
        let (mu, wd, nesterov) = (momentum, weightDecay, self.nesterov)
        for (i, p) in parameters.enumerated() {
            guard let grad = checkedGradient(p) else { continue }
            // A buffer in another layout than the parameter (after the parameter was replaced, e.g. by
            // loading a checkpoint) restarts from zero.
            if let b = buffers[i], !b.hasSameLayout(as: p.value) { buffers[i] = nil }
            let first = buffers[i] == nil
            if mu != 0 && first { buffers[i] = p.value.zerosLike() }
            var buffer = buffers[i]
            buffers[i] = nil
            grad.withUnsafeStorage { g in
                p.value.withUnsafeMutableStorage { w in
                    if mu == 0 {
                        for j in w.indices { w[j] -= lr * (g[j] + wd * w[j]) }
                        return
                    }
                    buffer!.withUnsafeMutableStorage { b in
                        for j in w.indices {
                            let d = g[j] + wd * w[j]
                            b[j] = first ? d : mu * b[j] + d
                            w[j] -= lr * (nesterov ? d + mu * b[j] : b[j])
                        }
                    }
                }
            }
            buffers[i] = buffer
        }
    }
}

/// Adam with decoupled weight decay, with PyTorch's `torch.optim.AdamW` semantics.
public final class AdamW: Optimizer {
    public let parameters: [Variable]
    public var beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    private var m: [Tensor], v: [Tensor]
    private var t = 0

    public init(_ parameters: [Variable], beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0.01) {
        self.parameters = parameters
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon; self.weightDecay = weightDecay
        m = parameters.map { Tensor(zeros: $0.shape) }
        v = parameters.map { Tensor(zeros: $0.shape) }
    }

    public func step(learningRate lr: Float) {
        t += 1
        let (b1, b2, eps, wd) = (beta1, beta2, epsilon, weightDecay)
        let c1 = 1 - Float(pow(Double(b1), Double(t))), c2 = 1 - Float(pow(Double(b2), Double(t)))
        let c2Root = c2.squareRoot()
        for (i, p) in parameters.enumerated() {
            guard let grad = checkedGradient(p) else { continue }
            if !m[i].hasSameLayout(as: p.value) { m[i] = p.value.zerosLike(); v[i] = p.value.zerosLike() }
            grad.withUnsafeStorage { g in
                p.value.withUnsafeMutableStorage { w in
                    m[i].withUnsafeMutableStorage { mb in
                        v[i].withUnsafeMutableStorage { vb in
                            for j in w.indices {
                                w[j] *= 1 - lr * wd
                                mb[j] = b1 * mb[j] + (1 - b1) * g[j]
                                vb[j] = b2 * vb[j] + (1 - b2) * g[j] * g[j]
                                w[j] -= lr / c1 * mb[j] / (vb[j].squareRoot() / c2Root + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A learning-rate schedule over optimizer steps, with optional linear warm-up.
public struct LearningRateSchedule: Sendable {
    /// The shape after warm-up.
    public enum Kind: Sendable {
        case constant
        /// Multiply by `gamma` every `everyEpochs` epochs.
        case step(everyEpochs: Int, gamma: Float)
        /// Cosine decay from the base rate to `minimum` over the remaining steps.
        case cosine(minimum: Float)
    }
    public var base: Float
    public var kind: Kind
    /// Steps of linear warm-up from `base / warmupSteps` to `base`.
    public var warmupSteps: Int

    public init(base: Float, kind: Kind = .constant, warmupSteps: Int = 0) {
        self.base = base; self.kind = kind; self.warmupSteps = warmupSteps
    }

    /// The learning rate for 0-based `step` of `totalSteps`, with `stepsPerEpoch` steps per epoch.
    public func learningRate(step: Int, totalSteps: Int, stepsPerEpoch: Int) -> Float {
        if step < warmupSteps { return base * Float(step + 1) / Float(warmupSteps) }
        switch kind {
        case .constant: return base
        case let .step(every, gamma):
            let epoch = step / max(stepsPerEpoch, 1)
            return base * Float(pow(Double(gamma), Double(epoch / max(every, 1))))
        case let .cosine(minimum):
            let span = max(totalSteps - warmupSteps, 1)
            let progress = Double(min(step - warmupSteps, span)) / Double(span)
            return minimum + (base - minimum) * Float(0.5 * (1 + cos(Double.pi * progress)))
        }
    }
}
