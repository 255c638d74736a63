/// A node of the computation graph: a value, and (after `Tape.backward`) its gradient.
/// Parameters are variables with `requiresGrad` set that live across steps.
import KaryoCore

public final class Variable {
    /// The current value. Optimizers replace it in place between steps.
    public var value: Tensor
    /// The accumulated gradient (plain for parameters), or nil before any backward pass.
    public var grad: Tensor?
    /// Whether gradients flow to this variable.
    public let requiresGrad: Bool
    /// A name used in messages (for parameters, the torchvision parameter name).
    public var name: String

    /// Creates a variable.
    public init(_ value: Tensor, requiresGrad: Bool = false, name: String = "") {
        self.value = value
        self.requiresGrad = requiresGrad
        self.name = name
    }

    /// The logical shape of the value.
    public var shape: [Int] { value.shape }
}

/// Records differentiable operations in order and runs them backwards (reverse-mode autograd).
///
/// One tape is used for one forward and backward pass. In inference mode (`recording == false`)
/// nothing is recorded and saved tensors are released as soon as possible.
public final class Tape {
    /// The backend that computes every operation.
    public let backend: any Backend
    /// Whether layers behave as in training (batch statistics, active dropout).
    public let training: Bool
    /// Whether operations are recorded for `backward`.
    public let recording: Bool
    /// Whether dropout is active even outside training (MC-dropout sampling).
    public var dropoutAlwaysOn = false
    /// The generator for dropout masks.
    public var generator: SeededGenerator

    private var records: [(output: Variable, backward: (Tensor) -> Void)] = []

    /// Creates a tape.
    /// - Parameters:
    ///   - training: layers in training mode (batch statistics, dropout active).
    ///   - recording: record operations for `backward` (defaults to `training`).
    public init(backend: any Backend, training: Bool, recording: Bool? = nil, seed: UInt64 = 0) {
        self.backend = backend
        self.training = training
        self.recording = recording ?? training
        self.generator = SeededGenerator(seed: seed)
    }

    /// Number of recorded operations.
    public var count: Int { records.count }

    /// Creates the output variable of an operation and records its backward function.
    func record(_ value: Tensor, inputs: [Variable], backward: @escaping (Tensor) -> Void) -> Variable {
        let needs = recording && inputs.contains { $0.requiresGrad }
        let out = Variable(value, requiresGrad: needs)
        if needs { records.append((out, backward)) }
        return out
    }

    /// Adds `g` to the gradient of `v` (if it requires one).
    func accumulate(_ v: Variable, _ g: Tensor) {
        guard v.requiresGrad else { return }
        if let existing = v.grad { v.grad = backend.add(existing, g) } else { v.grad = g }
    }

    /// Back-propagates from a scalar `loss`, accumulating into every variable's `grad`.
    /// Intermediate gradients are released as they are consumed; the tape is emptied.
    public func backward(_ loss: Variable) {
        precondition(loss.value.count == 1, "backward needs a scalar loss, got shape \(loss.shape)")
        loss.grad = Tensor(repeating: 1, shape: loss.shape)
        for record in records.reversed() {
            guard let g = record.output.grad else { continue }
            record.output.grad = nil
            record.backward(g)
        }
        records.removeAll()
    }
}
