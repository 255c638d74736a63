import Foundation
@testable import KaryoNet
import Testing

@Suite struct CheckpointTests {
    @Test func formatLayout() throws {
        var st = SafeTensors()
        st.metadata = ["format": "pt"]
        st.setFloat("a", Tensor([1, 2], shape: [2]))
        st.setInt64("n", [7], shape: [])
        let data = st.serialized()
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect((8 + headerLength) % 8 == 0)
        #expect(data.count == 8 + headerLength + 8 + 8)
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as! [String: Any]
        #expect((header["__metadata__"] as? [String: String]) == ["format": "pt"])
        let a = header["a"] as! [String: Any]
        #expect(a["dtype"] as? String == "F32")
        #expect((a["data_offsets"] as? [Int]) == [0, 8])
        let back = try SafeTensors(data: data)
        #expect(try back.float("a").scalars == [1, 2])
        #expect(try back.int64("n") == [7])
        #expect(back.metadata["format"] == "pt")
    }

    @Test func rejectsCorruptFiles() {
        #expect(throws: KaryoNetError.self) { try SafeTensors(data: Data([1, 2, 3])) }
        var bad = Data()
        withUnsafeBytes(of: UInt64(1000).littleEndian) { bad.append(contentsOf: $0) }
        bad.append(contentsOf: Array("{}".utf8))
        #expect(throws: KaryoNetError.self) { try SafeTensors(data: bad) }
        let header = Array(#"{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}}"#.utf8)
        var short = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { short.append(contentsOf: $0) }
        short.append(contentsOf: header); short.append(contentsOf: [UInt8](repeating: 0, count: 8))
        #expect(throws: KaryoNetError.self) { try SafeTensors(data: short) }
    }

    @Test func roundTripThroughFile() throws {
        let a = ResNet.small(seed: 1), b = ResNet.small(seed: 2)
        a.namedBatchNorms[0].layer.runningMean = Tensor([1, 2, 3, 4], shape: [4])
        a.namedBatchNorms[0].layer.numBatchesTracked = 12
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("karyonet-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try a.save(to: url)
        try b.load(contentsOf: url)
        #expect(a.stateDict().serialized() == b.stateDict().serialized())
        #expect(b.namedBatchNorms[0].layer.numBatchesTracked == 12)
    }

    @Test func shapeMismatchNamesTensor() throws {
        var st = ResNet.small().stateDict()
        st.setFloat("layer1.0.conv2.weight", Tensor(zeros: [4, 4, 1, 1]))
        #expect(throws: KaryoNetError.shapeMismatch(tensor: "layer1.0.conv2.weight", expected: [4, 4, 3, 3], actual: [4, 4, 1, 1])) {
            try ResNet.small().load(st)
        }
    }

    @Test func missingAndUnexpectedNameTensor() throws {
        var st = ResNet.small().stateDict()
        st.entries["fc.bias"] = nil
        #expect(throws: KaryoNetError.missingTensor("fc.bias")) { try ResNet.small().load(st) }
        var extra = ResNet.small().stateDict()
        extra.setFloat("fc2.weight", Tensor(zeros: [1]))
        #expect(throws: KaryoNetError.unexpectedTensor("fc2.weight")) { try ResNet.small().load(extra) }
    }

    @Test func otherArchitectureIsRejectedWithoutChanges() throws {
        let bottleneck = ResNet(ResNetConfiguration(block: .bottleneck, layers: [1, 1, 1, 1], width: 4, inputChannels: 1, classes: 2))
        let target = ResNet.small(seed: 9)
        let before = target.stateDict().serialized()
        do {
            try target.load(bottleneck.stateDict())
            Issue.record("expected an error")
        } catch let error as KaryoNetError {
            guard case let .architectureMismatch(message) = error else { Issue.record("got \(error)"); return }
            #expect(message.contains("resnet-basic-1-1-1-1-w4") && message.contains("resnet-bottleneck-1-1-1-1-w4"))
            #expect(message.contains("'layer1.0.bn3.bias'"))
        }
        #expect(target.stateDict().serialized() == before)
    }

    @Test func transferLearningSkipsClassifier() throws {
        let pretrained = ResNet.small(classes: 24, seed: 1)
        let fineTune = ResNet.small(classes: 2, seed: 2)
        #expect(throws: KaryoNetError.self) { try fineTune.load(pretrained.stateDict()) }
        let fcBefore = fineTune.fc.weight.value.scalars
        try fineTune.load(pretrained.stateDict(), skipping: ["fc."])
        #expect(fineTune.stem.conv.weight.value.scalars == pretrained.stem.conv.weight.value.scalars)
        #expect(fineTune.fc.weight.value.scalars == fcBefore)
    }

    @Test func rgbStemTransfersToGrayModel() throws {
        let rgb = ResNet.small(inputChannels: 3, classes: 1000, seed: 1)
        let gray = ResNet.small(inputChannels: 1, classes: 2, seed: 2)
        #expect(throws: KaryoNetError.shapeMismatch(tensor: "conv1.weight", expected: [4, 1, 7, 7], actual: [4, 3, 7, 7])) {
            try gray.load(rgb.stateDict(), skipping: ["fc."])
        }
        try gray.load(rgb.stateDict(), skipping: ["fc."], summingInputChannels: true)
        // A gray image through the summed stem equals the image replicated into RGB.
        let x = randomTensor([2, 1, 16, 16], seed: 3)
        let x3 = Tensor(x.scalars.chunked(256).flatMap { Array(repeating: $0, count: 3).flatMap { $0 } }, shape: [2, 3, 16, 16])
        let tape = Tape(backend: ReferenceBackend(), training: false)
        let a = tape.conv2d(Variable(x), weight: gray.stem.conv.weight, geometry: gray.stem.conv.geometry).value.scalars
        let b = tape.conv2d(Variable(x3), weight: rgb.stem.conv.weight, geometry: rgb.stem.conv.geometry).value.scalars
        #expect(normRelativeError(a, b) < 1e-5)
    }

    @Test func readsHalfPrecision() throws {
        var st = SafeTensors()
        // 1.0, -2.0, 0.5 in IEEE half and bfloat16.
        st.entries["h"] = .init(dtype: .F16, shape: [3], data: Data([0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38]))
        st.entries["b"] = .init(dtype: .BF16, shape: [3], data: Data([0x80, 0x3F, 0x00, 0xC0, 0x00, 0x3F]))
        let back = try SafeTensors(data: st.serialized())
        #expect(try back.float("h").scalars == [1, -2, 0.5])
        #expect(try back.float("b").scalars == [1, -2, 0.5])
    }
}

extension Array {
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
