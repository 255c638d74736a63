import Foundation
@testable import KaryoSynth
import Testing

/// Not a check: writes batches for a person to look at when KARYO_SYNTH_PREVIEW names a folder.
/// KARYO_SYNTH_PREVIEW_ARGS may hold `key=value` pairs (count, kind, level, seed, format, fake, real, width, height).
@Test(.enabled(if: ProcessInfo.processInfo.environment["KARYO_SYNTH_PREVIEW"] != nil))
func writePreviewBatch() throws {
    let env = ProcessInfo.processInfo.environment
    var o = SynthOptions()
    for pair in (env["KARYO_SYNTH_PREVIEW_ARGS"] ?? "").split(separator: " ") {
        let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
        guard kv.count == 2 else { continue }
        switch kv[0] {
        case "count": o.count = Int(kv[1])!
        case "kind": o.kind = SynthOptions.Images(rawValue: kv[1])!
        case "level": o.bandLevel = BandLevel(rawValue: Int(kv[1])!)!
        case "seed": o.seed = UInt64(kv[1])!
        case "format": o.format = SynthOptions.Format(rawValue: kv[1])!
        case "fake": o.fakeIdentities = kv[1] == "1"
        case "real": o.realChromosomes = URL(fileURLWithPath: kv[1])
        case "positive": o.positiveFraction = Double(kv[1])!
        case "cells": o.cellsPerCase = Int(kv[1])!
        case "width": o.width = Int(kv[1])!
        case "height": o.height = Int(kv[1])!
        case "variant": o.variantFraction = Double(kv[1])!
        case "masked": o.maskedPhFraction = Double(kv[1])!
        case "hard": o.hardNegativeFraction = Double(kv[1])!
        case "qband": o.keepQBandPolarity = kv[1] == "1"
        default: Issue.record("unknown preview key \(kv[0])")
        }
    }
    let report = try SynthGenerator(options: o).generate(into: URL(fileURLWithPath: env["KARYO_SYNTH_PREVIEW"]!))
    print("preview: \(report.images) images in \(report.seconds) s")
}
