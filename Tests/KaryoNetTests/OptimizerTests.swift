@testable import KaryoNet
import Testing

@Suite struct OptimizerTests {
    func variable(_ w: Float, grad: Float) -> Variable {
        let v = Variable(Tensor([w], shape: [1]), requiresGrad: true)
        v.grad = Tensor([grad], shape: [1])
        return v
    }

    @Test func sgdMomentumMatchesPyTorch() {
        // torch.optim.SGD([w], lr=0.1, momentum=0.9, weight_decay=0.1), w=1, grad=1 twice.
        let v = variable(1, grad: 1)
        let opt = SGD([v], momentum: 0.9, weightDecay: 0.1)
        opt.step(learningRate: 0.1)          // d = 1.1, buf = 1.1, w = 0.89
        #expect(abs(v.value.scalars[0] - 0.89) < 1e-6)
        opt.step(learningRate: 0.1)          // d = 1.089, buf = 0.99 + 1.089 = 2.079, w = 0.6821
        #expect(abs(v.value.scalars[0] - 0.6821) < 1e-6)
    }

    @Test func sgdNesterov() {
        let v = variable(1, grad: 1)
        let opt = SGD([v], momentum: 0.9, nesterov: true)
        opt.step(learningRate: 0.1)          // buf = 1, step = 1 + 0.9 = 1.9
        #expect(abs(v.value.scalars[0] - 0.81) < 1e-6)
        opt.step(learningRate: 0.1)          // buf = 1.9, step = 1 + 1.71 = 2.71
        #expect(abs(v.value.scalars[0] - 0.539) < 1e-6)
    }

    @Test func adamW() {
        // First AdamW step moves by lr·sign(grad) after decoupled decay: 1·(1 − 0.1·0.01) − 0.1.
        let v = variable(1, grad: 0.5)
        let opt = AdamW([v], weightDecay: 0.01)
        opt.step(learningRate: 0.1)
        #expect(abs(v.value.scalars[0] - 0.8990) < 1e-5)
    }

    @Test func schedules() {
        let warm = LearningRateSchedule(base: 1, kind: .cosine(minimum: 0), warmupSteps: 4)
        #expect(warm.learningRate(step: 0, totalSteps: 14, stepsPerEpoch: 2) == 0.25)
        #expect(warm.learningRate(step: 3, totalSteps: 14, stepsPerEpoch: 2) == 1)
        #expect(abs(warm.learningRate(step: 9, totalSteps: 14, stepsPerEpoch: 2) - 0.5) < 1e-6)
        #expect(abs(warm.learningRate(step: 14, totalSteps: 14, stepsPerEpoch: 2)) < 1e-6)
        let step = LearningRateSchedule(base: 1, kind: .step(everyEpochs: 2, gamma: 0.1))
        #expect(step.learningRate(step: 3, totalSteps: 100, stepsPerEpoch: 2) == 1)
        #expect(abs(step.learningRate(step: 4, totalSteps: 100, stepsPerEpoch: 2) - 0.1) < 1e-7)
    }
}
