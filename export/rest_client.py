"""Asks a TF Serving server for images over REST and writes a PNG grid.

Serve an export (see export/README.md), then:

    python export/rest_client.py --model dcgan_shapes_32 --latent-dim 100 -n 16 --out grid.png

The request is TF Serving's predict API in the columnar format:
POST http://HOST:8501/v1/models/NAME[/versions/N]:predict with
{"signature_name": "serving_default", "inputs": {"z": [[...], ...]}}.
`--print-request` prints the request instead of sending it.
"""

import argparse
import json
import urllib.request

import numpy as np
from _grid import latents, save_grid


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="localhost:8501", help="TF Serving's REST address")
    parser.add_argument("--model", required=True, help="the model name in models.config")
    parser.add_argument("--version", type=int, default=None)
    parser.add_argument("--latent-dim", type=int, required=True,
                        help="the length of z (kerasgan info NAME shows it)")
    parser.add_argument("-n", "--num", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--label", type=int, default=None, help="class, for conditional models")
    parser.add_argument("--out", default="grid.png")
    parser.add_argument("--print-request", action="store_true")
    args = parser.parse_args()

    version = f"/versions/{args.version}" if args.version else ""
    url = f"http://{args.host}/v1/models/{args.model}{version}:predict"
    inputs = {"z": latents(args.num, args.latent_dim, args.seed).tolist()}
    if args.label is not None:
        inputs["labels"] = [args.label] * args.num
    body = json.dumps({"signature_name": "serving_default", "inputs": inputs})
    if args.print_request:
        print(f"POST {url}")
        print(body)
        return
    request = urllib.request.Request(url, data=body.encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        outputs = json.loads(response.read())["outputs"]
    images = np.asarray(outputs["images"] if isinstance(outputs, dict) else outputs)
    width, height = save_grid(images, args.out)
    print(f"wrote {args.out} ({width}x{height}) from {url}")


if __name__ == "__main__":
    main()
