"""Generates images with an exported ONNX generator in ONNX Runtime and writes a PNG grid.

Needs only numpy, Pillow and onnxruntime (not TensorFlow, not kerasgan):

    kerasgan export dcgan_shapes_32 --format onnx --out exports
    python export/onnx_infer.py --model exports/dcgan_shapes_32.onnx -n 64 --out grid.png
"""

import argparse
import time

import numpy as np
import onnxruntime as ort
from _grid import latents, save_grid


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="the .onnx file of `kerasgan export`")
    parser.add_argument("-n", "--num", type=int, default=64, help="number of images")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--label", type=int, default=None,
                        help="class label, for conditional generators (input `labels`)")
    parser.add_argument("--out", default="grid.png")
    args = parser.parse_args()

    session = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    feeds = {}
    for model_input in session.get_inputs():
        if model_input.name == "z":
            feeds["z"] = latents(args.num, model_input.shape[-1], args.seed)
        elif model_input.name == "labels":
            feeds["labels"] = np.full((args.num,), args.label or 0, np.int32)
        else:
            parser.error(f"the model has an input {model_input.name!r} this script cannot feed")
    start = time.perf_counter()
    images = session.run(["images"], feeds)[0]
    seconds = time.perf_counter() - start
    width, height = save_grid(images, args.out)
    print(f"{args.num} images {images.shape[1:]} in {seconds * 1000:.1f} ms; wrote {args.out} "
          f"({width}x{height})")


if __name__ == "__main__":
    main()
