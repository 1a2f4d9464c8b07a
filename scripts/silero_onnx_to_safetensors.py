#!/usr/bin/env python3
"""Extract the Silero VAD v6 16 kHz weights from the official ONNX graph into safetensors.

Why: the `silero_vad_16k.safetensors` shipped inside PyPI `silero-vad` 6.2.3 (for its tinygrad
example) does NOT hold the same weights as the v6 ONNX graphs in the same wheel (every tensor but
the STFT basis differs; its probabilities differ from onnxruntime by up to 0.3 on real speech),
so it is an older model. The Rust port (src/audio/silero.rs) must reproduce onnxruntime on the v6
graph, so we take the weights from `silero_vad_16k_op15.onnx` (same wheel, MIT licence) and store
them under the tensor names of the upstream safetensors file.

Usage (needs `pip install onnx numpy safetensors`):
    python3 scripts/silero_onnx_to_safetensors.py [SRC.onnx] [DST.safetensors]
Defaults: ../shared/models/silero_vad_16k_op15.onnx -> models/silero_vad_v6_16k.safetensors
"""
import os
import sys

import onnx
from onnx import numpy_helper
from safetensors.numpy import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMES = {
    "model.stft.forward_basis_buffer": "stft_conv.weight",
    "model.encoder.0.reparam_conv.weight": "conv1.weight",
    "model.encoder.0.reparam_conv.bias": "conv1.bias",
    "model.encoder.1.reparam_conv.weight": "conv2.weight",
    "model.encoder.1.reparam_conv.bias": "conv2.bias",
    "model.encoder.2.reparam_conv.weight": "conv3.weight",
    "model.encoder.2.reparam_conv.bias": "conv3.bias",
    "model.encoder.3.reparam_conv.weight": "conv4.weight",
    "model.encoder.3.reparam_conv.bias": "conv4.bias",
    "model.decoder.rnn.weight_ih": "lstm_cell.weight_ih",
    "model.decoder.rnn.weight_hh": "lstm_cell.weight_hh",
    "model.decoder.rnn.bias_ih": "lstm_cell.bias_ih",
    "model.decoder.rnn.bias_hh": "lstm_cell.bias_hh",
    "model.decoder.decoder.2.weight": "final_conv.weight",
    "model.decoder.decoder.2.bias": "final_conv.bias",
}


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "models", "silero_vad_16k_op15.onnx")
    dst = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "models", "silero_vad_v6_16k.safetensors")
    graph = onnx.load(src).graph
    tensors = {}
    for init in graph.initializer:
        if init.name in NAMES:
            tensors[NAMES[init.name]] = numpy_helper.to_array(init).astype("float32")
    missing = set(NAMES.values()) - set(tensors)
    if missing:
        sys.exit(f"missing tensors in {src}: {sorted(missing)}")
    save_file(tensors, dst, metadata={
        "model": "Silero VAD v6, 16 kHz",
        "source": "silero_vad_16k_op15.onnx from PyPI silero-vad 6.2.3 (silero_vad/data/)",
        "license": "MIT",
    })
    print(f"wrote {dst}")


if __name__ == "__main__":
    main()
