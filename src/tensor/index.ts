/**
 * dlq's tensor core: float64 tensors with NumPy/PyTorch broadcasting, reverse-mode autodiff, the
 * ops of `torch` / `torch.nn.functional` that a deep-learning course uses (each with its backward
 * beside its forward), a seeded RNG, `torch.nn.init`'s initialisers, JSON/.npy loading and a
 * central-difference gradient check.
 *
 * Names follow PyTorch (`log_softmax`, `binary_cross_entropy_with_logits`, `kaiming_uniform_`);
 * keyword arguments become an options object.
 */
export { TensorError } from "./errors.js";
export {
  type Shape,
  shapeSize,
  shapeStr,
  contiguousStrides,
  broadcastShapes,
  normDim,
} from "./shape.js";
export {
  Tensor,
  type NestedArray,
  type BackwardFn,
  type GradFn,
  type TensorLike,
  createOp,
  asTensor,
  grad,
  noGrad,
  enableGrad,
  isGradEnabled,
  setGradEnabled,
} from "./tensor.js";
export {
  type FactoryOptions,
  tensor,
  fromArray,
  full,
  zeros,
  ones,
  zerosLike,
  onesLike,
  arange,
  linspace,
  eye,
} from "./creation.js";
export { erf as erfScalar, erfc as erfcScalar } from "./special.js";
export {
  binaryOp,
  unaryOp,
  add,
  sub,
  mul,
  div,
  neg,
  pow,
  exp,
  log,
  sqrt,
  abs,
  erf,
  clamp,
  maximum,
  minimum,
  where,
} from "./ops/elementwise.js";
export {
  tanh,
  sigmoid,
  relu,
  leaky_relu,
  elu,
  selu,
  gelu,
  silu,
  softplus,
  SELU_ALPHA,
  SELU_SCALE,
} from "./ops/activation.js";
export {
  type Dims,
  sum,
  mean,
  max,
  min,
  argmax,
  argmin,
  softmax,
  log_softmax,
  logsumexp,
} from "./ops/reduce.js";
export {
  type Index,
  type Slice,
  reshape,
  view,
  flatten,
  unsqueeze,
  squeeze,
  permute,
  transpose,
  t,
  expand,
  expand_as,
  cat,
  concatenate,
  stack,
  slice,
  select,
  narrow,
  parseIndex,
} from "./ops/shape_ops.js";
export { gemm, matmul, linear } from "./ops/linalg.js";
export {
  type Pair,
  type Conv1dOptions,
  type Conv2dOptions,
  type Pool2dOptions,
  conv1d,
  conv2d,
  max_pool1d,
  max_pool2d,
  avg_pool1d,
  avg_pool2d,
} from "./ops/conv.js";
export { type DropoutOptions, embedding, dropout } from "./ops/nn.js";
export { type PadMode } from "./geometry.js";
export {
  type InterpolateOptions,
  pad,
  pixel_shuffle,
  pixel_unshuffle,
  channel_shuffle,
  interpolate,
} from "./ops/resample.js";
export {
  type Reduction,
  type BCEOptions,
  type BCEWithLogitsOptions,
  type NLLOptions,
  type CrossEntropyOptions,
  mse_loss,
  l1_loss,
  binary_cross_entropy,
  binary_cross_entropy_with_logits,
  nll_loss,
  cross_entropy,
} from "./ops/loss.js";
export { Generator, type RandomOptions, rand, randn, randint, bernoulli } from "./random.js";
export {
  type Nonlinearity,
  type FanMode,
  type KaimingOptions,
  calculate_gain,
  _calculate_fan_in_and_fan_out,
  calculateFanInAndFanOut,
  uniform_,
  normal_,
  constant_,
  zeros_,
  ones_,
  xavier_uniform_,
  xavier_normal_,
  kaiming_uniform_,
  kaiming_normal_,
  orthogonal_,
  householderQR,
  reset_parameters_,
  init_linear_,
  init_conv_,
} from "./init.js";
export { tensorFromJSON, parseJSONTensor, parseNpy } from "./io.js";
export {
  type GradcheckOptions,
  type GradcheckEntry,
  type GradcheckInputReport,
  type GradcheckResult,
  type GradcheckVerdict,
  gradcheck,
  unravel,
  KINK_PROBE,
  KINK_GAP_KEPT,
} from "./gradcheck.js";
export {
  BranchLog,
  recordBranches,
  recordingBranches,
  noteBranches,
  branchDifference,
  signSide,
  compareSide,
} from "./kinks.js";
