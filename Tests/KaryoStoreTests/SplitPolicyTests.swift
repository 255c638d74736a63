import KaryoCore
import KaryoStore
import Testing


@Suite("Split assignment")
struct SplitPolicyTests {
    let tokens = (0..<4000).map { "p-\($0)" }

    @Test("fractions are met within sampling error")
    func fractions() {
        let policy = SplitPolicy(validationFraction: 0.2, testFraction: 0.1, seed: 7)
        var counts: [Split: Int] = [:]
        for t in tokens { counts[policy.assign(groupToken: t), default: 0] += 1 }
        #expect(abs(Double(counts[.validation]!) / 4000 - 0.2) < 0.03)
        #expect(abs(Double(counts[.test]!) / 4000 - 0.1) < 0.03)
        #expect(abs(Double(counts[.train]!) / 4000 - 0.7) < 0.03)
    }

    @Test("assignment depends only on token and seed: adding patients moves nobody")
    func stability() {
        let policy = SplitPolicy(validationFraction: 0.25, seed: 42)
        let before = Dictionary(uniqueKeysWithValues: tokens.prefix(500).map { ($0, policy.assign(groupToken: $0)) })
        let after = Dictionary(uniqueKeysWithValues: tokens.map { ($0, policy.assign(groupToken: $0)) })
        for (token, split) in before { #expect(after[token] == split) }
    }

    @Test("another seed gives another partition")
    func seeds() {
        let a = SplitPolicy(validationFraction: 0.5, seed: 1)
        let b = SplitPolicy(validationFraction: 0.5, seed: 2)
        let differing = tokens.filter { a.assign(groupToken: $0) != b.assign(groupToken: $0) }.count
        #expect(differing > 1500 && differing < 2500)
    }

    @Test("no test split when its fraction is 0")
    func noTest() {
        let policy = SplitPolicy(validationFraction: 0.2, testFraction: 0, seed: 3)
        #expect(!tokens.contains { policy.assign(groupToken: $0) == .test })
    }

    @Test("bad fractions are refused", arguments: [-0.1, 0.5, 0.9, Double.nan])
    func validation(validationFraction: Double) {
        let testFraction = validationFraction == 0.9 ? 0.2 : 0.5
        #expect(throws: SplitPolicyError.self) {
            try SplitPolicy(validationFraction: validationFraction, testFraction: testFraction, seed: 1).validate()
        }
    }

    @Test("unit hash lies in [0, 1)")
    func unitRange() {
        let policy = SplitPolicy(seed: 9)
        for t in tokens { let u = policy.unitHash(t); #expect(u >= 0 && u < 1) }
    }
}

@Suite("Class balancing")
struct BalancingTests {
    /// 30 negatives and 10 positives in train, 5 of each in validation.
    func items() -> [BalanceInput] {
        (0..<30).map { BalanceInput(id: "n\($0)", label: "negative", split: .train) }
            + (0..<10).map { BalanceInput(id: "p\($0)", label: "positive", split: .train) }
            + (0..<5).map { BalanceInput(id: "vn\($0)", label: "negative", split: .validation) }
            + (0..<5).map { BalanceInput(id: "vp\($0)", label: "positive", split: .validation) }
    }

    @Test("undersampling keeps the smallest class's count of each class, validation untouched")
    func undersample() {
        let set = balance(items(), strategy: .undersample, seed: 1)
        #expect(set.trainCounts == ["negative": 10, "positive": 10])
        #expect(set.entries.filter { $0.id.hasPrefix("v") }.count == 10)
        #expect(set.entries.allSatisfy { $0.copies == 1 })
    }

    @Test("oversampling repeats the smaller class up to the largest")
    func oversample() {
        let set = balance(items(), strategy: .oversample, seed: 1)
        #expect(set.trainCounts == ["negative": 30, "positive": 30])
        #expect(set.entries.filter { $0.id.hasPrefix("p") }.allSatisfy { $0.copies == 3 })
    }

    @Test("oversampling with a remainder spreads the extra copies")
    func oversampleRemainder() {
        var input = items()
        input.append(BalanceInput(id: "n30", label: "negative", split: .train))
        let set = balance(input, strategy: .oversample, seed: 1)
        #expect(set.trainCounts == ["negative": 31, "positive": 31])
        #expect(set.entries.filter { $0.id.hasPrefix("p") && $0.copies == 4 }.count == 1)
    }

    @Test("class weights are n / (k n_c)")
    func weights() {
        let set = balance(items(), strategy: .classWeights, seed: 1)
        #expect(abs(set.classWeights["negative"]! - 40.0 / 60.0) < 1e-12)
        #expect(abs(set.classWeights["positive"]! - 2.0) < 1e-12)
        #expect(set.trainCounts == ["negative": 30, "positive": 10])
    }

    @Test("same seed, same set, whatever the input order; another seed, another set")
    func determinism() {
        let a = balance(items(), strategy: .undersample, seed: 5)
        let b = balance(items().reversed(), strategy: .undersample, seed: 5)
        #expect(Set(a.entries.map(\.id)) == Set(b.entries.map(\.id)))
        let c = balance(items(), strategy: .undersample, seed: 6)
        #expect(Set(a.entries.map(\.id)) != Set(c.entries.map(\.id)))
    }
}

@Suite("Stratified assignment")
struct StratifiedAssignerTests {
    func groups(_ positives: Int, _ negatives: Int, prefix: String = "p") -> [(token: String, stratum: String)] {
        (0..<positives).map { ("\(prefix)pos\($0)", "positive") } + (0..<negatives).map { ("\(prefix)neg\($0)", "negative") }
    }

    @Test("each class is split in the policy's proportions, to the patient")
    func exactProportions() {
        var assigner = StratifiedAssigner(policy: SplitPolicy(validationFraction: 0.3, seed: 4))
        let result = assigner.assignAll(groups(10, 20))
        #expect(result.count == 30)
        #expect(result.filter { $0.key.contains("pos") && $0.value == .validation }.count == 3)
        #expect(result.filter { $0.key.contains("neg") && $0.value == .validation }.count == 6)
        #expect(!result.values.contains(.test))
    }

    @Test("a test split gets its share too")
    func withTest() {
        var assigner = StratifiedAssigner(policy: SplitPolicy(validationFraction: 0.2, testFraction: 0.1, seed: 1))
        let result = assigner.assignAll(groups(20, 40))
        #expect(result.filter { $0.key.contains("pos") && $0.value == .test }.count == 2)
        #expect(result.filter { $0.key.contains("neg") && $0.value == .validation }.count == 8)
    }

    @Test("with two positive patients and 30% validation, one of them validates")
    func smallClass() {
        var assigner = StratifiedAssigner(policy: SplitPolicy(validationFraction: 0.3, seed: 9))
        let result = assigner.assignAll(groups(2, 15))
        #expect(result.filter { $0.key.contains("pos") && $0.value == .validation }.count == 1)
    }

    @Test("adding patients later keeps the proportions and moves nobody (the caller keeps earlier splits)")
    func incremental() {
        var assigner = StratifiedAssigner(policy: SplitPolicy(validationFraction: 0.25, seed: 2))
        let first = assigner.assignAll(groups(8, 8))
        let second = assigner.assignAll(groups(8, 8, prefix: "q"))
        #expect(Set(first.keys).isDisjoint(with: second.keys))
        #expect(assigner.tallies["positive"]?[.validation] == 4)
        #expect(assigner.tallies["negative"]?[.validation] == 4)
    }

    @Test("the same groups in any order give the same assignment")
    func orderIndependent() {
        var a = StratifiedAssigner(policy: SplitPolicy(validationFraction: 0.3, seed: 5))
        var b = StratifiedAssigner(policy: SplitPolicy(validationFraction: 0.3, seed: 5))
        #expect(a.assignAll(groups(7, 11)) == b.assignAll(groups(7, 11).reversed()))
    }
}
