// Names of S3-Net's custom kernels, shared by the wasm and WebGPU implementations (no backend code here).
export const DEPTHWISE = 'S3DepthwiseConv';
export const DEPTHWISE_BACKPROP_INPUT = 'S3DepthwiseConvBackpropInput';
export const DEPTHWISE_BACKPROP_FILTER = 'S3DepthwiseConvBackpropFilter';
export const DEFORM_IM2COL = 'S3DeformIm2Col';
export const DEFORM_IM2COL_GRAD = 'S3DeformIm2ColGrad';
export const COL_SUM = 'S3ColSum';
export const DEFORM_CONV = 'S3DeformConv';
export const DEFORM_CONV_GRAD = 'S3DeformConvGrad';
export const GELU = 'S3Gelu';
export const GELU_GRAD = 'S3GeluGrad';
export const MATMUL_TN = 'S3MatMulTN';
export const GEMM = 'S3Gemm';
export const BATCH_NORM = 'S3BatchNormRows';
export const BATCH_NORM_GRAD = 'S3BatchNormRowsGrad';
export const SOFTMAX_XENT = 'S3SoftmaxXent';
export const BN_EPSILON = 1e-5;

/** Backends on which every kernel above is registered (the explicit backward pass runs there). */
export const S3_KERNEL_BACKENDS: readonly string[] = ['wasm', 'webgpu'];
