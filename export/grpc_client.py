"""Asks a TF Serving server for images over gRPC and writes a PNG grid.

Needs `pip install tensorflow-serving-api grpcio` (and TensorFlow, for the
tensor protos). Serve an export (see export/README.md), then:

    python export/grpc_client.py --model dcgan_shapes_32 --latent-dim 100 -n 16 --out grid.png
"""

import argparse
import sys

from _grid import latents, save_grid


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="localhost:8500", help="TF Serving's gRPC address")
    parser.add_argument("--model", required=True)
    parser.add_argument("--latent-dim", type=int, required=True)
    parser.add_argument("-n", "--num", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--label", type=int, default=None, help="class, for conditional models")
    parser.add_argument("--out", default="grid.png")
    args = parser.parse_args()
    try:
        import grpc
        import tensorflow as tf
        from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc
    except ImportError as error:
        sys.exit(f"grpc_client.py needs tensorflow-serving-api and grpcio: {error}")

    request = predict_pb2.PredictRequest()
    request.model_spec.name = args.model
    request.model_spec.signature_name = "serving_default"
    request.inputs["z"].CopyFrom(tf.make_tensor_proto(
        latents(args.num, args.latent_dim, args.seed)))
    if args.label is not None:
        request.inputs["labels"].CopyFrom(tf.make_tensor_proto([args.label] * args.num,
                                                               dtype=tf.int32))
    with grpc.insecure_channel(args.host) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        response = stub.Predict(request, timeout=60)
    images = tf.make_ndarray(response.outputs["images"])
    width, height = save_grid(images, args.out)
    print(f"wrote {args.out} ({width}x{height}) from {args.host}")


if __name__ == "__main__":
    main()
