"""Exports zkinfer's real-architecture test corpus (corpus/ at the repository root).

Each model is built with random weights (fixed seeds, nothing downloaded), exported with its
exporter's *default* settings, run by onnxruntime on a seeded random input, and written as

    corpus/<name>/network.onnx            the exporter's output, unchanged
    corpus/<name>/network.onnx.data       external weights, where the exporter wrote them
    corpus/<name>/input.json              {"input_data": [[...flattened...], ...]}
    corpus/<name>/expected_output.json    onnxruntime's outputs on that input

plus corpus/manifest.json (name, family, exporter, ONNX ops, file sizes). The checked-in files
are what tests read, so tests need neither torch nor onnxruntime.

`--large` exports the models too big to check in (tens of MB of weights, circuits beyond one
24 GiB machine) the same way, into corpus-large/<name>/ (ignored by git, read by no test):
the real networks that proving in parts is measured on (docs/partition.md).

Run with the pinned packages of requirements.txt beside this file:

    python3 -m venv .venv && .venv/bin/pip install -r tools/corpus/requirements.txt
    .venv/bin/python tools/corpus/export.py            # all models
    .venv/bin/python tools/corpus/export.py lstm gru   # some of them
    .venv/bin/python tools/corpus/export.py --large    # corpus-large/: resnet18
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "corpus"
LARGE_OUT = ROOT / "corpus-large"
SEED = 20261203

MODELS = {}
LARGE = {}


def model(name, family, what):
    """Registers an exporter function under a corpus name."""

    def register(fn):
        MODELS[name] = (family, what, fn)
        return fn

    return register


def large_model(name, family, what):
    """Registers an exporter of a model too large to check in (written by `--large`)."""

    def register(fn):
        LARGE[name] = (family, what, fn)
        return fn

    return register


# ---------------------------------------------------------------- PyTorch (default exporter)


def torch_export(module, args, path, input_names=None):
    """torch.onnx.export with the exporter's defaults: only the module, the example inputs and
    the path (plus names, which change nothing in the graph)."""
    import torch

    module.eval()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kwargs = {"input_names": input_names} if input_names else {}
        torch.onnx.export(module, args, str(path), **kwargs)
    return [a.detach().numpy() for a in args]


def seeded():
    import torch

    torch.manual_seed(SEED)
    return np.random.default_rng(SEED)


@model("mlp", "torch", "two dense layers with ReLU (nn.Linear)")
def mlp(path):
    import torch
    from torch import nn

    rng = seeded()
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    x = torch.tensor(rng.normal(size=(1, 4)), dtype=torch.float32)
    return torch_export(net, (x,), path)


@model("relu", "torch", "a single ReLU, no weights")
def relu(path):
    import torch
    from torch import nn

    rng = seeded()
    x = torch.tensor(rng.normal(size=(1, 6)), dtype=torch.float32)
    return torch_export(nn.ReLU(), (x,), path)


@model("softmax", "torch", "a single softmax over the last axis")
def softmax(path):
    import torch
    from torch import nn

    rng = seeded()
    x = torch.tensor(rng.normal(size=(1, 5)), dtype=torch.float32)
    return torch_export(nn.Softmax(dim=-1), (x,), path)


@model("concat", "torch", "two branches concatenated on the channel axis")
def concat(path):
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Conv2d(4, 4, 1)

        def forward(self, x):
            return torch.cat([x, torch.relu(self.a(x))], dim=1)

    rng = seeded()
    x = torch.tensor(rng.normal(size=(1, 4, 3, 6)), dtype=torch.float32)
    return torch_export(Net(), (x,), path)


@model("conv", "torch", "one 3x3 convolution with bias")
def conv(path):
    import torch
    from torch import nn

    rng = seeded()
    x = torch.tensor(rng.normal(size=(1, 2, 5, 5)), dtype=torch.float32)
    return torch_export(nn.Conv2d(2, 3, 3), (x,), path)


@model("conv_fc", "torch", "small MNIST CNN: 2 strided conv/ReLU layers and 2 dense layers")
def conv_fc(path):
    import torch
    from torch import nn

    rng = seeded()
    net = nn.Sequential(
        nn.Conv2d(1, 2, 5, stride=2),
        nn.ReLU(),
        nn.Conv2d(2, 3, 5, stride=2),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(3 * 4 * 4, 48),
        nn.ReLU(),
        nn.Linear(48, 10),
    )
    x = torch.tensor(rng.normal(size=(1, 1, 28, 28)), dtype=torch.float32)
    return torch_export(net, (x,), path)


@model("cifar_cnn", "torch", "CIFAR-size CNN: 2 conv/ReLU/max-pool stages and a dense head")
def cifar_cnn(path):
    import torch
    from torch import nn

    rng = seeded()
    net = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(8 * 8 * 8, 10),
    )
    x = torch.tensor(rng.normal(size=(1, 3, 32, 32)), dtype=torch.float32)
    return torch_export(net, (x,), path)


@model("cifar10_cnn", "torch", "the CIFAR-10 CNN of tutorials: 4 conv (32, 32, 64, 64 channels), 2 linear, 197k parameters")
def cifar10_cnn(path):
    import torch
    from torch import nn

    rng = seeded()
    net = nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(32, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(64, 64, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 8 * 8, 32),
        nn.ReLU(),
        nn.Linear(32, 10),
    )
    x = torch.tensor(rng.normal(size=(1, 3, 32, 32)), dtype=torch.float32)
    return torch_export(net, (x,), path)


@model("resnet_narrow", "torchvision", "narrow ResNet of torchvision BasicBlocks (BatchNorm, skip adds)")
def resnet_narrow(path):
    import torch
    from torch import nn
    from torchvision.models.resnet import BasicBlock

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
            down = nn.Sequential(nn.Conv2d(8, 16, 1, stride=2, bias=False), nn.BatchNorm2d(16))
            self.blocks = nn.Sequential(BasicBlock(8, 8), BasicBlock(8, 16, stride=2, downsample=down))
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(16, 10)

        def forward(self, x):
            return self.fc(torch.flatten(self.pool(self.blocks(self.stem(x))), 1))

    rng = seeded()
    net = Net()
    randomize_batchnorm(net)
    x = torch.tensor(rng.normal(size=(1, 3, 16, 16)), dtype=torch.float32)
    return torch_export(net, (x,), path)


def randomize_batchnorm(net):
    """Random running statistics, so batch norms are not the identity."""
    import torch

    for m in net.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)


@large_model("resnet18", "torchvision", "torchvision resnet18 (11.7 M parameters), one 224x224 image")
def resnet18(path):
    import torch
    from torchvision.models import resnet18 as build

    rng = seeded()
    net = build()
    randomize_batchnorm(net)
    x = torch.tensor(rng.normal(size=(1, 3, 224, 224)), dtype=torch.float32)
    return torch_export(net, (x,), path)


@model("mobilenet_v3_small", "torchvision", "torchvision mobilenet_v3_small, width 0.25 (HardSwish, squeeze-excite)")
def mobilenet_v3_small(path):
    import torch
    from torchvision.models import mobilenet_v3_small as build

    rng = seeded()
    net = build(weights=None, num_classes=10, width_mult=0.25)
    randomize_batchnorm(net)
    x = torch.tensor(rng.normal(size=(1, 3, 32, 32)), dtype=torch.float32)
    return torch_export(net, (x,), path)


@model("squeezenet", "torchvision", "SqueezeNet of torchvision Fire modules, narrow")
def squeezenet(path):
    import torch
    from torch import nn
    from torchvision.models.squeezenet import Fire

    rng = seeded()
    net = nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=2),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(3, stride=2, ceil_mode=True),
        Fire(8, 4, 8, 8),
        Fire(16, 4, 8, 8),
        nn.MaxPool2d(3, stride=2, ceil_mode=True),
        Fire(16, 8, 8, 8),
        nn.Dropout(p=0.5),
        nn.Conv2d(16, 10, 1),
        nn.ReLU(inplace=True),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten(),
    )
    x = torch.tensor(rng.normal(size=(1, 3, 32, 32)), dtype=torch.float32)
    return torch_export(net, (x,), path)


@model("unet", "torch", "small UNet: down path, nearest upsampling, skip concatenation")
def unet(path):
    import torch
    from torch import nn

    def block(i, o):
        return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.ReLU())

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.d1, self.d2 = block(1, 4), block(4, 8)
            self.pool = nn.MaxPool2d(2)
            self.up = nn.Upsample(scale_factor=2, mode="nearest")
            self.u1 = block(12, 4)
            self.head = nn.Conv2d(4, 1, 1)

        def forward(self, x):
            a = self.d1(x)
            b = self.d2(self.pool(a))
            return self.head(self.u1(torch.cat([self.up(b), a], dim=1)))

    rng = seeded()
    x = torch.tensor(rng.normal(size=(1, 1, 16, 16)), dtype=torch.float32)
    return torch_export(Net(), (x,), path)


def recurrent(cell):
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = cell(input_size=4, hidden_size=6, batch_first=True)
            self.fc = nn.Linear(6, 2)

        def forward(self, x):
            out, _ = self.rnn(x)
            return self.fc(out[:, -1])

    return Net()


@model("lstm", "torch", "nn.LSTM over 5 steps, last hidden state to a dense head")
def lstm(path):
    import torch

    rng = seeded()
    x = torch.tensor(rng.normal(size=(1, 5, 4)), dtype=torch.float32)
    return torch_export(recurrent(torch.nn.LSTM), (x,), path)


@model("gru", "torch", "nn.GRU over 5 steps, last hidden state to a dense head")
def gru(path):
    import torch

    rng = seeded()
    x = torch.tensor(rng.normal(size=(1, 5, 4)), dtype=torch.float32)
    return torch_export(recurrent(torch.nn.GRU), (x,), path)


@model("recommender", "torch", "embedding recommender: user and item embeddings, dot product and MLP")
def recommender(path):
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.users, self.items = nn.Embedding(20, 8), nn.Embedding(30, 8)
            self.mlp = nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 1))

        def forward(self, user, item):
            u, i = self.users(user), self.items(item)
            return torch.sigmoid(self.mlp(torch.cat([u, i], dim=-1)).squeeze(-1) + (u * i).sum(-1))

    seeded()
    user = torch.tensor([[3, 7, 11]], dtype=torch.int64)
    item = torch.tensor([[5, 0, 29]], dtype=torch.int64)
    return torch_export(Net(), (user, item), path)


def transformer_ids(vocab):
    import torch

    rng = seeded()
    return torch.tensor(rng.integers(0, vocab, size=(1, 8)), dtype=torch.int64)


@model("gpt2_tiny", "transformers", "GPT-2 (transformers GPT2Model), 1 layer, 2 heads, width 16")
def gpt2_tiny(path):
    from transformers import GPT2Config, GPT2Model

    ids = transformer_ids(64)
    cfg = GPT2Config(vocab_size=64, n_positions=16, n_embd=16, n_layer=1, n_head=2)
    net = GPT2Model(cfg)
    net.config.use_cache = False
    return torch_export(Last(net), (ids,), path, input_names=["input_ids"])


@model("bert_tiny", "transformers", "BERT (transformers BertModel), 1 layer, 2 heads, width 16")
def bert_tiny(path):
    from transformers import BertConfig, BertModel

    ids = transformer_ids(64)
    cfg = BertConfig(
        vocab_size=64,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=16,
    )
    return torch_export(Last(BertModel(cfg)), (ids,), path, input_names=["input_ids"])


def Last(net):
    """The model's last hidden state as a plain tensor output (transformers return dicts)."""
    from torch import nn

    class Wrapped(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = net

        def forward(self, ids):
            return self.net(input_ids=ids).last_hidden_state

    return Wrapped()


# ---------------------------------------------------------------- classical ML


def tabular(n_features=6, classes=2, rows=200):
    """A seeded synthetic tabular task (a credit-scoring-like table)."""
    rng = np.random.default_rng(SEED)
    x = rng.normal(size=(rows, n_features)).astype(np.float32)
    w = rng.normal(size=(n_features, classes))
    y = np.argmax(x @ w + 0.3 * rng.normal(size=(rows, classes)), axis=1)
    return x, y


def save_onnx(proto, path):
    onnx.save_model(proto, str(path))


@model("logistic_regression", "sklearn", "scikit-learn LogisticRegression (skl2onnx): label and probabilities")
def logistic_regression(path):
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression

    x, y = tabular()
    clf = LogisticRegression().fit(x, y)
    save_onnx(to_onnx(clf, x[:1], options={"zipmap": False}), path)
    return [x[:1]]


@model("sklearn_mlp", "sklearn", "scikit-learn MLPClassifier (skl2onnx): label and probabilities")
def sklearn_mlp(path):
    from skl2onnx import to_onnx
    from sklearn.neural_network import MLPClassifier

    x, y = tabular(classes=3)
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=300, random_state=SEED).fit(x, y)
    save_onnx(to_onnx(clf, x[:1], options={"zipmap": False}), path)
    return [x[:1]]


@model("xgboost", "xgboost", "XGBClassifier, 10 trees of depth 3 (onnxmltools)")
def xgboost_model(path):
    from onnxmltools import convert_xgboost
    from onnxmltools.convert.common.data_types import FloatTensorType
    from xgboost import XGBClassifier

    x, y = tabular()
    clf = XGBClassifier(n_estimators=10, max_depth=3, random_state=SEED).fit(x, y)
    proto = convert_xgboost(clf, initial_types=[("input", FloatTensorType([None, x.shape[1]]))])
    save_onnx(proto, path)
    return [x[:1]]


@model("lightgbm", "lightgbm", "LGBMClassifier, 10 trees of 4 leaves (onnxmltools)")
def lightgbm_model(path):
    from lightgbm import LGBMClassifier
    from onnxmltools import convert_lightgbm
    from onnxmltools.convert.common.data_types import FloatTensorType

    x, y = tabular()
    clf = LGBMClassifier(n_estimators=10, num_leaves=4, random_state=SEED, verbose=-1).fit(x, y)
    proto = convert_lightgbm(
        clf, initial_types=[("input", FloatTensorType([None, x.shape[1]]))], zipmap=False
    )
    save_onnx(proto, path)
    return [x[:1]]


# ---------------------------------------------------------------- operator edge cases
# Built node by node with onnx.helper: attribute combinations the exporters above do not emit
# but other producers do (Keras via tf2onnx, hand-written converters). Checked against
# onnxruntime like the rest; tract computes some of them differently.


def helper_model(path, nodes, inputs, outputs, inits=(), ml=False):
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        nodes,
        "corpus_edge_case",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(a.shape)) for n, a in inputs],
        [helper.make_tensor_value_info(n, t, None) for n, t in outputs],
        [onnx.numpy_helper.from_array(a, n) for n, a in inits],
    )
    opsets = [helper.make_opsetid("", 14)] + ([helper.make_opsetid("ai.onnx.ml", 3)] if ml else [])
    proto = helper.make_model(graph, opset_imports=opsets, producer_name="onnx.helper")
    proto.ir_version = 8
    save_onnx(proto, path)
    return [a for _, a in inputs]


def weights_of(rng, *shape):
    return (0.5 * rng.normal(size=shape)).astype(np.float32)


@model("tree_split_modes", "onnx", "tree ensemble mixing LEQ/LT/GT/GTE splits, 3 classes with labels 10/20/30, softmax")
def tree_split_modes(path):
    from onnx import TensorProto, helper

    rng = np.random.default_rng(SEED)
    node = helper.make_node(
        "TreeEnsembleClassifier",
        ["x"],
        ["label", "probabilities"],
        domain="ai.onnx.ml",
        nodes_treeids=[0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
        nodes_nodeids=[0, 1, 2, 3, 4, 0, 1, 2, 3, 4],
        nodes_featureids=[0, 1, 0, 0, 0, 2, 0, 0, 0, 0],
        nodes_modes=["BRANCH_LEQ", "BRANCH_LT", "LEAF", "LEAF", "LEAF",
                     "BRANCH_GT", "LEAF", "BRANCH_GTE", "LEAF", "LEAF"],
        nodes_values=[0.1, -0.3, 0, 0, 0, 0.4, 0, -0.5, 0, 0],
        nodes_truenodeids=[1, 3, 0, 0, 0, 1, 0, 3, 0, 0],
        nodes_falsenodeids=[2, 4, 0, 0, 0, 2, 0, 4, 0, 0],
        class_treeids=[0, 0, 0, 0, 1, 1, 1, 1],
        class_nodeids=[2, 3, 4, 4, 1, 3, 4, 4],
        class_ids=[0, 1, 2, 0, 1, 1, 0, 1],
        class_weights=[0.5, 0.8, 0.3, -0.2, 0.6, 0.4, 0.9, -0.1],
        classlabels_int64s=[10, 20, 30],
        post_transform="SOFTMAX",
    )
    x = rng.uniform(-1.5, 1.5, size=(8, 3)).astype(np.float32)
    return helper_model(
        path, [node], [("x", x)],
        [("label", TensorProto.INT64), ("probabilities", TensorProto.FLOAT)], ml=True,
    )


@model("tree_ensemble_v5", "onnx", "the opset-5 TreeEnsemble op: 2 trees, mixed split modes, 2 targets, averaged")
def tree_ensemble_v5(path):
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(SEED)
    node = helper.make_node(
        "TreeEnsemble",
        ["x"],
        ["y"],
        domain="ai.onnx.ml",
        n_targets=2,
        aggregate_function=0,
        post_transform=0,
        tree_roots=[0, 2],
        nodes_featureids=[0, 1, 2],
        nodes_splits=numpy_helper.from_array(np.array([0.1, -0.3, 0.4], dtype=np.float32)),
        nodes_modes=numpy_helper.from_array(np.array([0, 1, 3], dtype=np.uint8)),
        nodes_truenodeids=[1, 0, 3],
        nodes_trueleafs=[0, 1, 1],
        nodes_falsenodeids=[2, 1, 4],
        nodes_falseleafs=[1, 1, 1],
        leaf_targetids=[0, 1, 1, 0, 1],
        leaf_weights=numpy_helper.from_array(np.array([0.5, 0.8, 0.3, -0.2, 0.6], dtype=np.float32)),
    )
    x = rng.uniform(-1.5, 1.5, size=(8, 3)).astype(np.float32)
    graph = helper.make_graph(
        [node], "corpus_edge_case",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [8, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    proto = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 21), helper.make_opsetid("ai.onnx.ml", 5)],
        producer_name="onnx.helper",
    )
    proto.ir_version = 10
    save_onnx(proto, path)
    return [x]


@model("gru_reverse", "onnx", "GRU, reverse direction, linear_before_reset 0, initial state")
def gru_reverse(path):
    from onnx import TensorProto, helper

    rng = np.random.default_rng(SEED)
    inits = [("w", weights_of(rng, 1, 12, 3)), ("r", weights_of(rng, 1, 12, 4)), ("b", weights_of(rng, 1, 24))]
    node = helper.make_node("GRU", ["x", "w", "r", "b", "", "h0"], ["y", "y_h"], hidden_size=4, direction="reverse")
    x = rng.uniform(-1, 1, size=(4, 1, 3)).astype(np.float32)
    h0 = rng.uniform(-0.5, 0.5, size=(1, 1, 4)).astype(np.float32)
    return helper_model(
        path, [node], [("x", x), ("h0", h0)],
        [("y", TensorProto.FLOAT), ("y_h", TensorProto.FLOAT)], inits,
    )


@model("lstm_bidirectional", "onnx", "LSTM, bidirectional, batch 2, initial states, peepholes")
def lstm_bidirectional(path):
    from onnx import TensorProto, helper

    rng = np.random.default_rng(SEED)
    inits = [
        ("w", weights_of(rng, 2, 16, 3)),
        ("r", weights_of(rng, 2, 16, 4)),
        ("b", weights_of(rng, 2, 32)),
        ("p", weights_of(rng, 2, 12)),
    ]
    node = helper.make_node(
        "LSTM", ["x", "w", "r", "b", "", "h0", "c0", "p"], ["y", "y_h", "y_c"],
        hidden_size=4, direction="bidirectional",
    )
    x = rng.uniform(-1, 1, size=(3, 2, 3)).astype(np.float32)
    h0 = rng.uniform(-0.5, 0.5, size=(2, 2, 4)).astype(np.float32)
    c0 = rng.uniform(-0.5, 0.5, size=(2, 2, 4)).astype(np.float32)
    return helper_model(
        path, [node], [("x", x), ("h0", h0), ("c0", c0)],
        [("y", TensorProto.FLOAT), ("y_h", TensorProto.FLOAT), ("y_c", TensorProto.FLOAT)], inits,
    )


@model("rnn", "onnx", "simple RNN (tanh), forward")
def rnn(path):
    from onnx import TensorProto, helper

    rng = np.random.default_rng(SEED)
    inits = [("w", weights_of(rng, 1, 5, 3)), ("r", weights_of(rng, 1, 5, 5)), ("b", weights_of(rng, 1, 10))]
    node = helper.make_node("RNN", ["x", "w", "r", "b"], ["y", "y_h"], hidden_size=5)
    x = rng.uniform(-1, 1, size=(4, 2, 3)).astype(np.float32)
    return helper_model(path, [node], [("x", x)], [("y", TensorProto.FLOAT), ("y_h", TensorProto.FLOAT)], inits)


# ---------------------------------------------------------------- driver


def onnx_ops(path):
    m = onnx.load(str(path), load_external_data=False)
    ops = Counter(
        (n.domain + ":" if n.domain not in ("", "ai.onnx") else "") + n.op_type for n in m.graph.node
    )
    opsets = {(o.domain or "ai.onnx"): o.version for o in m.opset_import}
    return dict(sorted(ops.items())), opsets


def export(name, registry=MODELS, out=OUT):
    family, what, fn = registry[name]
    target = out / name
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "network.onnx"
        inputs = fn(path)
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        feeds = {i.name: np.asarray(v) for i, v in zip(session.get_inputs(), inputs)}
        outputs = session.run(None, feeds)
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        files = {}
        for f in sorted(Path(tmp).iterdir()):
            shutil.copy(f, target / f.name)
            files[f.name] = f.stat().st_size
    flat = lambda a: np.asarray(a).astype(np.float64).ravel().tolist()  # noqa: E731
    (target / "input.json").write_text(json.dumps({"input_data": [flat(v) for v in inputs]}) + "\n")
    (target / "expected_output.json").write_text(
        json.dumps(
            {
                "output_data": [flat(o) for o in outputs],
                "shapes": [list(np.asarray(o).shape) for o in outputs],
                "producer": f"onnxruntime {ort.__version__} CPUExecutionProvider",
            }
        )
        + "\n"
    )
    ops, opsets = onnx_ops(target / "network.onnx")
    print(f"{name}: {sum(files.values())} bytes, ops {ops}", file=sys.stderr)
    return {"name": name, "family": family, "what": what, "opsets": opsets, "ops": ops, "files": files}


def versions():
    import importlib.metadata as md

    names = ["torch", "torchvision", "transformers", "scikit-learn", "xgboost", "lightgbm",
             "onnxmltools", "skl2onnx", "onnxruntime", "onnx", "onnxscript", "numpy"]
    return {n: md.version(n) for n in names}


def main(argv):
    if argv[:1] == ["--large"]:
        names = argv[1:] or list(LARGE)
        unknown = [n for n in names if n not in LARGE]
        if unknown:
            sys.exit(f"unknown large model(s): {', '.join(unknown)}; known: {', '.join(LARGE)}")
        for name in names:
            export(name, LARGE, LARGE_OUT)
        return
    names = argv or list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        sys.exit(f"unknown corpus model(s): {', '.join(unknown)}; known: {', '.join(MODELS)}")
    manifest_path = OUT / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"models": []}
    entries = {m["name"]: m for m in manifest["models"]}
    OUT.mkdir(exist_ok=True)
    for name in names:
        entries[name] = export(name)
        # Rewritten after every model, so a failing exporter loses nothing already written.
        manifest = {
            "about": "generated by tools/corpus/export.py; do not edit by hand",
            "seed": SEED,
            "packages": versions(),
            "models": [entries[n] for n in MODELS if n in entries],
        }
        manifest_path.write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
