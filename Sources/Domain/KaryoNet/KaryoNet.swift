// KaryoNet: ResNet training and inference for Karyo's model in the loop.
//
// The pieces, one folder each:
// - Tensor/      `Tensor` (Float32, NCHW, copy on write, optional backend layout), `SeededGenerator`.
// - Autograd/    `Variable` and `Tape`: reverse-mode autograd over the operations a ResNet needs
//                (convolution, batch norm, ReLU, residual add, max/average/global pooling, linear,
//                dropout, softmax cross-entropy with class weights and label smoothing).
// - Backends/    the `Backend` protocol; `ReferenceBackend` (plain Swift, Float64 accumulation, the
//                ground truth of the tests) and `OneDNNBackend` (oneDNN 2.x primitives, blocked
//                layouts end to end, fused batch norm + ReLU and add + ReLU, Winograd 3×3,
//                `dnnl_sgemm`, OpenMP threads, optional bfloat16 inference); `ProfilingBackend` times any backend.
// - Models/      `ResNet` (ResNet-18/34/50 as torchvision, the paper's variant, small test nets),
//                with torchvision parameter names.
// - Optim/       `SGD` (momentum, Nesterov, weight decay), `AdamW`, `LearningRateSchedule`
//                (constant, step, cosine; linear warm-up).
// - Training/    `Trainer` (seeded shuffling, `Augmentation`, early stopping, per-epoch metrics,
//                NaN/Inf guard keeping the last good checkpoint), `ImageDataset`.
// - Checkpoint/  `SafeTensors` read/write and `ResNet.save/load` with errors naming the tensor.
// - Inference/   `Predictor`: batch norm folded into the convolutions, test-time augmentation and
//                MC-dropout.
//
// A training step:
//
//     let model = ResNet.paperVariant()
//     let backend = OneDNNBackend()            // or ReferenceBackend()
//     let tape = Tape(backend: backend, training: true)
//     let loss = tape.softmaxCrossEntropy(model(Variable(images), tape), labels: labels)
//     tape.backward(loss)                      // gradients in each parameter's `grad`
//
// or, for whole runs, `Trainer(model:backend:configuration:).fit(train:validation:)`.
