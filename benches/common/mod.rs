//! What the end-to-end benches share: the default model list, where the corpus is, and which
//! models a run was asked for.

use std::path::PathBuf;

/// Models measured by default. The scale targets are named on the command line:
/// `multihead_attention` (~3 min), `self_attention` (~7 min, 14 GB) and `mnist_gan` (~9 min,
/// 17 GB) fit a 24 GiB machine; `nanoGPT` needs the Freivalds matmul check first.
pub const DEFAULT: &[&str] = &[
    "1l_relu",
    "1l_sigmoid",
    "1l_tanh",
    "1l_softmax",
    "1l_conv",
    "1l_average",
    "1l_max_pool",
    "1l_mlp",
    "1l_batch_norm",
    "1l_concat",
    "layernorm",
    "4l_relu_conv_fc",
    "lenet_5",
    "large_mlp",
];

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared corpus: `$ZKINFER_MODELS`, else `../shared/models` beside the repository.
pub fn models_dir() -> PathBuf {
    std::env::var_os("ZKINFER_MODELS")
        .map_or_else(|| root().join("../shared/models"), PathBuf::from)
}

/// Model names from the command line (cargo's own `--bench` flags skipped), else `defaults`.
pub fn names(defaults: &[&str]) -> Vec<String> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    if args.is_empty() {
        defaults.iter().map(|s| (*s).to_string()).collect()
    } else {
        args
    }
}
