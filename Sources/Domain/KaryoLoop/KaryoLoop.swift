// KaryoLoop: the active-learning loop's core, independent of the store.
//
// It works on arrays of `LoopSample` (sample id, patient, case, 90x90 image, label, split), so the
// application layer (Karyo/Loop) feeds it from a dataset version and the benchmark feeds it files.
//
// - Data/            `LoopSample`, `LoopSplit`.
// - Metrics/         `BinaryMetrics` (accuracy, sensitivity, specificity, ROC-AUC, PR-AUC, confusion
//                    matrix, ECE), `TemperatureScaling`, `CaseAggregation` (a case is positive when
//                    at least 2 of its cells are), `PatientBootstrap` (95% intervals), `Evaluation`.
// - Folds/           `GroupedKFold`: patient-grouped, stratified folds.
// - Uncertainty/     `UncertaintyScores`: entropy, margin, BALD from MC dropout or an ensemble.
// - LabelErrors/     `ConfidentLearning`: per-class thresholds and the confident joint (as cleanlab).
// - Model/           `LoopModel`: a small KaryoNet ResNet trained, scored (MC dropout) and saved.
// - ActiveLearning/  `QueueBuilder` (the two review queues), `CrossValidation` (out-of-fold
//                    probabilities), `ActiveLearningSimulation` (uncertainty vs random arm).
// - Report/          `LoopReport` (the report's data, Codable) and `HTMLReport` (one self-contained
//                    HTML file with inline SVG plots and images as data: URIs).
