"""Writes a deeper copy of a GPT-style ONNX export: the model's transformer blocks (nodes named
`/h.N/...`, as torch.onnx.export names nanoGPT's and GPT-2's) repeated `--times` times, each
copy reading the residual stream the block before it wrote and reusing its weights. The
result has the same width, input and output as the original and `--times` as many blocks:
a real architecture too large to prove in one circuit on a machine that proves the original,
for measuring proofs in parts (docs/partition.md).

    python deepen_gpt.py network.onnx --times 2 -o deep/network.onnx [--input input.json]

With --input (zkinfer's input.json), onnxruntime's output for it is written beside the model
as expected_output.json, so `zkinfer run --expected` can report the error.
"""

import argparse
import json
import re
from pathlib import Path

import numpy as np
import onnx

BLOCK = re.compile(r"^/h\.(\d+)/")


def deepen(model: onnx.ModelProto, times: int) -> onnx.ModelProto:
    g = model.graph
    blocks = sorted({int(m.group(1)) for n in g.node if (m := BLOCK.match(n.name))})
    if not blocks or blocks != list(range(len(blocks))):
        raise SystemExit("no blocks named /h.0/, /h.1/, ... in this model")
    depth = len(blocks)
    nodes = list(g.node)
    at = [i for i, n in enumerate(nodes) if BLOCK.match(n.name)]
    first, last = at[0], at[-1]
    if at != list(range(first, last + 1)):
        raise SystemExit("the blocks' nodes are not contiguous in the graph")
    stem, body, head = nodes[:first], nodes[first : last + 1], nodes[last + 1 :]
    # The residual stream: what block 0's first node reads, what the last block's last node
    # writes.
    entry, exit_ = body[0].input[0], body[-1].output[0]
    if not any(exit_ in n.input for n in head):
        raise SystemExit(f"nothing after the blocks reads {exit_}")
    new_nodes = list(stem) + list(body)
    prev_exit = exit_
    for copy in range(1, times):
        shift = copy * depth
        rename = {}
        for n in body:
            k = int(BLOCK.match(n.name).group(1))
            for o in n.output:
                rename[o] = o.replace(f"/h.{k}/", f"/h.{k + shift}/", 1)
        for n in body:
            k = int(BLOCK.match(n.name).group(1))
            c = onnx.NodeProto()
            c.CopyFrom(n)
            c.name = n.name.replace(f"/h.{k}/", f"/h.{k + shift}/", 1)
            del c.input[:]
            c.input.extend(prev_exit if i == entry else rename.get(i, i) for i in n.input)
            del c.output[:]
            c.output.extend(rename[o] for o in n.output)
            new_nodes.append(c)
        prev_exit = rename[exit_]
    for n in head:
        c = onnx.NodeProto()
        c.CopyFrom(n)
        del c.input[:]
        c.input.extend(prev_exit if i == exit_ else i for i in n.input)
        new_nodes.append(c)
    del g.node[:]
    g.node.extend(new_nodes)
    del g.value_info[:]
    onnx.checker.check_model(model)
    return model


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model")
    p.add_argument("--times", type=int, default=2)
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--input", help="zkinfer input.json: also write expected_output.json")
    a = p.parse_args()
    model = deepen(onnx.load(a.model), a.times)
    out = Path(a.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, out)
    print(f"wrote {out}: {len(model.graph.node)} nodes")
    if a.input:
        import onnxruntime as ort  # noqa: PLC0415

        data = json.loads(Path(a.input).read_text())["input_data"]
        # Opset-10 torch exports apply Equal to floats, which onnxruntime accepts from opset 11
        # on (no other change for these ops): the reference runs with the import bumped.
        ref = onnx.ModelProto()
        ref.CopyFrom(model)
        for o in ref.opset_import:
            if o.domain in ("", "ai.onnx") and o.version < 11:
                o.version = 11
        s = ort.InferenceSession(ref.SerializeToString())
        feeds = {}
        for i, x in zip(s.get_inputs(), data):
            shape = [d if isinstance(d, int) else 1 for d in i.shape]
            dtype = np.int64 if "int64" in i.type else np.float32
            feeds[i.name] = np.asarray(x, dtype=dtype).reshape(shape)
        outs = s.run(None, feeds)
        (out.parent / "input.json").write_text(json.dumps({"input_data": data}))
        (out.parent / "expected_output.json").write_text(
            json.dumps({"output_data": [o.ravel().tolist() for o in outs]})
        )
        print(f"wrote {out.parent / 'expected_output.json'} (onnxruntime)")


if __name__ == "__main__":
    main()
