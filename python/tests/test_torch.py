"""torch.nn.Module models from Python. torch is not a dependency of zkinfer (nor of this
suite), so a stand-in `torch` module plays the exporter: its `onnx.export` writes a real ONNX
model with its weights in `network.onnx.data`, as torch's default exporter does. What is tested
is zkinfer's side: which calls export, with what arguments, that the module is exported in
eval mode and left as it was, that the exported files live as long as the call, and the errors.
tools/corpus/export.py exercises the real exporter."""

import contextlib
import sys
import types
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import zkinfer

W = np.array(
    [[0.5, -0.25, 0.75], [0.1, 0.2, -0.3], [-0.6, 0.4, 0.05], [0.3, -0.7, 0.2]], dtype=np.float32
)


def write_model(path, batch):
    """y = relu(x·W) for x of shape [batch, 4], W stored in network.onnx.data."""
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "w"], ["h"]),
            helper.make_node("Relu", ["h"], ["y"]),
        ],
        "net",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, 3])],
        [numpy_helper.from_array(W, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    onnx.save_model(
        model,
        str(path),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="network.onnx.data",
        size_threshold=0,
    )


@pytest.fixture
def fake_torch(monkeypatch):
    torch = types.ModuleType("torch")

    class Module:
        training = True

        def eval(self):
            self.training = False
            return self

        def train(self, mode=True):
            self.training = mode
            return self

    class Tensor:
        def __init__(self, a):
            self.a = a

        def __array__(self, dtype=None, copy=None):
            return self.a if dtype is None else self.a.astype(dtype)

    exports = []

    def export(module, args, path):
        assert not module.training, "exported in training mode"
        exports.append({"args": args, "path": Path(path)})
        write_model(path, args[0].a.shape[0])

    torch.nn = types.SimpleNamespace(Module=Module)
    torch.Tensor = Tensor
    torch.from_numpy = Tensor
    torch.no_grad = contextlib.nullcontext
    torch.onnx = types.SimpleNamespace(export=export)
    monkeypatch.setitem(sys.modules, "torch", torch)
    return torch, exports


def test_torch_modules_are_exported_and_proven(fake_torch, tmp_path):
    torch, exports = fake_torch
    net = torch.nn.Module()
    x = np.array([[1.0, -0.5, 0.25, 2.0]])
    reference = tmp_path / "ref" / "network.onnx"
    reference.parent.mkdir()
    write_model(reference, 1)
    expected = zkinfer.run(reference, x).outputs[0].values
    # A bare module with the inputs of the call as its example inputs.
    np.testing.assert_array_equal(zkinfer.run(net, x).outputs[0].values, expected)
    first = exports[-1]
    assert first["args"][0].a.dtype == np.float32 and first["args"][0].a.shape == (1, 4)
    assert net.training, "the module's training mode was not restored"
    assert not first["path"].parent.exists(), "the exported model outlived the call"
    # The export is the same model each time: settings from one call fit the next.
    settings = zkinfer.calibrate(net, x)
    assert settings.model_sha256 == zkinfer.calibrate(reference, x).model_sha256
    wrapped = zkinfer.TorchModel(net, x)
    assert zkinfer.inspect(wrapped)["plan"]["k"] >= 4
    proof = zkinfer.prove(wrapped, x, tmp_path / "proof.json", settings=settings)
    assert zkinfer.verify(proof.proof, proof.vk)
    np.testing.assert_array_equal(proof.outputs[0].values, expected)


def test_torch_module_errors_are_typed(fake_torch, monkeypatch):
    torch, _ = fake_torch
    with pytest.raises(zkinfer.ZkinferError, match="TorchModel"):
        zkinfer.inspect(torch.nn.Module())

    def broken(module, args, path):
        raise RuntimeError("unsupported operator aten::foo")

    monkeypatch.setattr(torch.onnx, "export", broken)
    with pytest.raises(zkinfer.ZkinferError, match="aten::foo"):
        zkinfer.run(torch.nn.Module(), np.zeros((1, 4)))
    monkeypatch.setitem(sys.modules, "torch", None)  # not installed
    with pytest.raises(zkinfer.ZkinferError, match="pip install torch"):
        zkinfer.run(zkinfer.TorchModel(object(), np.zeros((1, 4))), np.zeros((1, 4)))
