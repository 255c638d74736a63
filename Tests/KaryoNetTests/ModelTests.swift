@testable import KaryoNet
import Testing

@Suite struct ModelTests {
    @Test func torchvisionParameterCounts() {
        #expect(ResNet.resnet18().parameterCount == 11_689_512)
        #expect(ResNet.resnet34().parameterCount == 21_797_672)
        #expect(ResNet.resnet50().parameterCount == 25_557_032)
        #expect(ResNet.paperVariant().parameterCount == 23_505_858)
    }

    @Test func torchvisionNames() {
        let names = ResNet.resnet50().stateDict().entries.keys
        for expected in ["conv1.weight", "bn1.running_mean", "bn1.num_batches_tracked", "layer1.0.conv1.weight",
                         "layer1.0.downsample.0.weight", "layer1.0.downsample.1.running_var", "layer4.2.bn3.bias",
                         "fc.weight", "fc.bias"] {
            #expect(names.contains(expected), "missing \(expected)")
        }
        #expect(names.count == 320)   // torchvision resnet50 state_dict size
        let r18 = ResNet.resnet18().stateDict().entries.keys
        #expect(r18.count == 122)
        #expect(r18.contains("layer2.0.downsample.0.weight") && !r18.contains("layer1.0.downsample.0.weight"))
    }

    @Test func paperVariantShape() {
        let m = ResNet.paperVariant()
        #expect(m.configuration.stemPooling == .average)
        #expect(m.stem.conv.weight.shape == [64, 1, 7, 7])
        #expect(m.fc.weight.shape == [2, 2048])
        #expect(m.configuration.architectureName == "resnet50")
    }

    @Test func smallForwardShapes() {
        let model = ResNet.small(width: 4, classes: 3)
        let tape = Tape(backend: ReferenceBackend(), training: false)
        let y = model(Variable(randomTensor([2, 1, 16, 16], seed: 1)), tape)
        #expect(y.shape == [2, 3])
        #expect(tape.count == 0)
    }

    @Test func sameSeedSameWeights() {
        let a = ResNet.small(seed: 5).stateDict(), b = ResNet.small(seed: 5).stateDict(), c = ResNet.small(seed: 6).stateDict()
        #expect(a.serialized() == b.serialized())
        #expect(a.serialized() != c.serialized())
    }
}

@Suite struct TensorTests {
    @Test func shapeMismatchNamesTensor() {
        #expect(throws: KaryoNetError.shapeMismatch(tensor: "images", expected: [2, 2], actual: [3])) {
            try Tensor(shape: [2, 2], data: [1, 2, 3], name: "images")
        }
    }

    @Test func copyOnWrite() {
        let a = Tensor([1, 2, 3], shape: [3])
        var b = a
        b.withUnsafeMutableBufferPointer { $0[0] = 9 }
        #expect(a.scalars == [1, 2, 3])
        #expect(b.scalars == [9, 2, 3])
    }

    @Test func datasetShapeChecked() {
        #expect(throws: KaryoNetError.self) { try ImageDataset(pixels: [0, 1], labels: [0], channels: 1, height: 2, width: 2) }
    }
}
