"""Trains the example agent's credit policy on synthetic applicants and exports it to ONNX.

Writes policy.onnx (6 applicant features -> 12 -> 2-way softmax: deny, approve; the feature
standardisation is folded into the first layer, so the model takes raw features),
calibration.json (64 sample applicants to calibrate the fixed-point scales on) and
requests.json (the applicants the agent loop decides on). Deterministic for a given numpy.
Needs numpy and onnx only:

    python examples/agent/train.py
"""

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).resolve().parent
FEATURES = [
    "income_k",            # yearly income, thousands
    "debt_to_income",      # 0..1
    "years_of_history",    # credit history length
    "late_payments",       # in the last two years
    "utilization",         # revolving credit used, 0..1
    "amount_k",            # requested amount, thousands
]


def applicants(rng, n):
    income = rng.lognormal(np.log(55), 0.5, n)
    dti = np.clip(rng.beta(2, 5, n), 0, 1)
    years = rng.uniform(0, 30, n)
    late = rng.poisson(0.8, n).astype(float)
    util = np.clip(rng.beta(2, 3, n), 0, 1)
    amount = rng.lognormal(np.log(15), 0.6, n)
    return np.stack([income, dti, years, late, util, amount], axis=1)


def approve(x, rng):
    score = (
        1.4 * np.log(x[:, 0]) - 4.0 * x[:, 1] + 0.06 * x[:, 2] - 0.7 * x[:, 3]
        - 1.8 * x[:, 4] - 0.9 * np.log(x[:, 5]) + rng.normal(0, 0.3, len(x))
    )
    return (score > np.median(score)).astype(int)


def train(x, y, hidden=12, steps=600, lr=0.05, seed=7):
    rng = np.random.default_rng(seed)
    mean, std = x.mean(0), x.std(0)
    z = (x - mean) / std
    w1 = rng.normal(0, 0.5, (6, hidden))
    b1 = np.zeros(hidden)
    w2 = rng.normal(0, 0.5, (hidden, 2))
    b2 = np.zeros(2)
    params = [w1, b1, w2, b2]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    onehot = np.eye(2)[y]
    for t in range(1, steps + 1):
        h = np.maximum(z @ w1 + b1, 0)
        logits = h @ w2 + b2
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        d = (p - onehot) / len(z)
        gw2, gb2 = h.T @ d, d.sum(0)
        dh = (d @ w2.T) * (h > 0)
        gw1, gb1 = z.T @ dh, dh.sum(0)
        for i, g in enumerate([gw1, gb1, gw2, gb2]):
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            params[i] -= lr * (m[i] / (1 - 0.9**t)) / (np.sqrt(v[i] / (1 - 0.999**t)) + 1e-8)
    w1, b1, w2, b2 = params
    # Fold the standardisation into the first layer: (x - mean) / std @ w1 = x @ w1' + b'.
    w1f = w1 / std[:, None]
    b1f = b1 - (mean / std) @ w1
    return w1f, b1f, w2, b2


def export(w1, b1, w2, b2, path):
    init = [
        numpy_helper.from_array(w1.astype(np.float32), "w1"),
        numpy_helper.from_array(b1.astype(np.float32), "b1"),
        numpy_helper.from_array(w2.astype(np.float32), "w2"),
        numpy_helper.from_array(b2.astype(np.float32), "b2"),
    ]
    nodes = [
        helper.make_node("Gemm", ["applicant", "w1", "b1"], ["h"], name="dense1"),
        helper.make_node("Relu", ["h"], ["h_relu"], name="relu1"),
        helper.make_node("Gemm", ["h_relu", "w2", "b2"], ["logits"], name="dense2"),
        helper.make_node("Softmax", ["logits"], ["decision"], name="softmax", axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "credit_policy",
        [helper.make_tensor_value_info("applicant", TensorProto.FLOAT, [1, 6])],
        [helper.make_tensor_value_info("decision", TensorProto.FLOAT, [1, 2])],
        init,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.producer_name = "zkinfer examples/agent/train.py"
    onnx.checker.check_model(model)
    onnx.save(model, path)


def predict(x, w1, b1, w2, b2):
    return (np.maximum(x @ w1 + b1, 0) @ w2 + b2).argmax(1)


def main():
    rng = np.random.default_rng(2026)
    x = applicants(rng, 4000)
    y = approve(x, rng)
    params = train(x[:3000], y[:3000])
    acc = (predict(x[3000:], *params) == y[3000:]).mean()
    export(*params, HERE / "policy.onnx")
    calib = x[:64]
    (HERE / "calibration.json").write_text(json.dumps({"samples": calib.round(4).tolist()}) + "\n")
    requests = [
        {"request_id": f"loan-{i:03d}", "applicant": dict(zip(FEATURES, row.round(4).tolist()))}
        for i, row in enumerate(x[3000:3006])
    ]
    (HERE / "requests.json").write_text(json.dumps(requests, indent=1) + "\n")
    print(f"policy.onnx: held-out accuracy {acc:.3f} on {len(x) - 3000} synthetic applicants")


if __name__ == "__main__":
    main()
