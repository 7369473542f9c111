#!/usr/bin/env python3
"""Writes the tiny ONNX models that the vision analyzer tests load (tests/data/models/).

Only the standard library: the ONNX protobuf messages are encoded by hand (wire format), so the
fixtures can be regenerated without any package. The models are deliberately trivial; they prove the
loading, pre- and post-processing code paths, not any learned behaviour:

- yolov5_fixed.onnx / yolov8_fixed.onnx: "detectors" that return the same boxes for every image.
  images [1,3,64,64] -> GlobalAveragePool -> 1x1 Conv with zero weights (its bias holds the boxes)
  -> Reshape to [1, N, 5+C] (YOLOv5 layout) or [1, 4+C, N] (YOLOv8 layout).
- segmentation_rb.onnx: per-pixel class logits [1,2,64,64] from a 1x1 Conv: class 0 ("person") is the
  red channel, class 1 (background) the blue channel, so a red shape on blue gives a known mask.
- age_fixed.onnx: a crop classifier [1,3,32,32] -> [1,4] with constant logits (bracket 1 wins).

Usage: scripts/gen-tiny-onnx.py [output_dir]   (default: tests/data/models next to this script)
The box values are repeated in tests/analyzers/vision_objects_test.cpp; change both together.
"""
import os
import struct
import sys

FLOAT = 1
INT64 = 7


def varint(value):
    out = bytearray()
    value &= (1 << 64) - 1  # negative int64 values are encoded as 10-byte two's complement
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return varint((number << 3) | 2) + varint(len(payload)) + payload


def tensor(name, dims, values, data_type=FLOAT):
    fmt = "<%d%s" % (len(values), "f" if data_type == FLOAT else "q")
    out = b"".join(field_varint(1, d) for d in dims)
    out += field_varint(2, data_type) + field_bytes(8, name) + field_bytes(9, struct.pack(fmt, *values))
    return out


def value_info(name, dims):
    shape = b"".join(field_bytes(1, field_varint(1, d)) for d in dims)
    tensor_type = field_varint(1, FLOAT) + field_bytes(2, shape)
    return field_bytes(1, name) + field_bytes(2, field_bytes(1, tensor_type))


def attribute_ints(name, values):
    return field_bytes(1, name) + b"".join(field_varint(8, v) for v in values) + field_varint(20, 7)


def node(op_type, inputs, outputs, name, attributes=()):
    out = b"".join(field_bytes(1, i) for i in inputs) + b"".join(field_bytes(2, o) for o in outputs)
    out += field_bytes(3, name) + field_bytes(4, op_type)
    out += b"".join(field_bytes(5, a) for a in attributes)
    return out


def conv_1x1(name, source, target, weights, bias):
    attrs = [attribute_ints("kernel_shape", [1, 1]), attribute_ints("strides", [1, 1]),
             attribute_ints("pads", [0, 0, 0, 0]), attribute_ints("dilations", [1, 1])]
    return node("Conv", [source, name + "_w", name + "_b"], [target], name, attrs), [
        tensor(name + "_w", [len(bias), len(weights) // len(bias), 1, 1], weights),
        tensor(name + "_b", [len(bias)], bias)]


def model(graph_name, nodes, initializers, input_dims, output_dims):
    graph = b"".join(field_bytes(1, n) for n in nodes) + field_bytes(2, graph_name)
    graph += b"".join(field_bytes(5, t) for t in initializers)
    graph += field_bytes(11, value_info("images", input_dims)) + field_bytes(12, value_info("output", output_dims))
    opset = field_bytes(1, "") + field_varint(2, 11)
    return (field_varint(1, 7) + field_bytes(2, "vidscope-gen-tiny-onnx") + field_bytes(7, graph)
            + field_bytes(8, opset))


def constant_model(graph_name, input_size, values, output_dims):
    """images -> GlobalAveragePool -> zero-weight 1x1 Conv whose bias is `values` -> Reshape."""
    count = len(values)
    conv, conv_tensors = conv_1x1("head", "pooled", "flat", [0.0] * (count * 3), values)
    nodes = [node("GlobalAveragePool", ["images"], ["pooled"], "pool"), conv,
             node("Reshape", ["flat", "shape"], ["output"], "reshape")]
    initializers = conv_tensors + [tensor("shape", [len(output_dims)], output_dims, INT64)]
    return model(graph_name, nodes, initializers, [1, 3, input_size, input_size], output_dims)


# Boxes in 64x64 input pixels: (cx, cy, w, h, objectness, score class 0, score class 1).
DETECTIONS = [
    (20, 20, 16, 16, 0.9, 0.9, 0.1),   # class 0, confidence 0.81: kept
    (21, 21, 16, 16, 0.8, 0.9, 0.1),   # class 0, 0.72, IoU 0.79 with the first: suppressed by NMS
    (21, 21, 16, 16, 0.9, 0.1, 0.8),   # class 1, 0.72, same place as the first but another class: kept
    (48, 44, 12, 20, 0.95, 0.05, 0.9),  # class 1, 0.855: kept
    (40, 10, 8, 8, 0.2, 0.9, 0.1),     # class 0, 0.18: below the 0.25 threshold, dropped
]
ROWS = 8  # padded with all-zero rows; more rows than attributes so the layout is recognisable


def yolov5_values():
    rows = [list(d) for d in DETECTIONS] + [[0.0] * 7] * (ROWS - len(DETECTIONS))
    return [v for row in rows for v in row]


def yolov8_values():
    # No objectness in YOLOv8: the class score is the confidence (objectness x class score here).
    rows = [[d[0], d[1], d[2], d[3], d[4] * d[5], d[4] * d[6]] for d in DETECTIONS]
    rows += [[0.0] * 6] * (ROWS - len(DETECTIONS))
    return [rows[j][i] for i in range(6) for j in range(ROWS)]  # attribute-major: [4 + C, N]


def segmentation_model():
    # logits[0] = red, logits[1] = blue (green ignored).
    conv, tensors = conv_1x1("classes", "images", "output", [1.0, 0.0, 0.0, 0.0, 0.0, 1.0], [0.0, 0.0])
    return model("segmentation_rb", [conv], tensors, [1, 3, 64, 64], [1, 2, 64, 64])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "tests", "data", "models")
    os.makedirs(out_dir, exist_ok=True)
    models = {
        "yolov5_fixed.onnx": constant_model("yolov5_fixed", 64, yolov5_values(), [1, ROWS, 7]),
        "yolov8_fixed.onnx": constant_model("yolov8_fixed", 64, yolov8_values(), [1, 6, ROWS]),
        "segmentation_rb.onnx": segmentation_model(),
        "age_fixed.onnx": constant_model("age_fixed", 32, [0.1, 2.0, 0.5, 0.2], [1, 4]),
    }
    for name, payload in models.items():
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(payload)
    with open(os.path.join(out_dir, "classes.txt"), "w") as f:
        f.write("person\ncar\n")
    with open(os.path.join(out_dir, "age_brackets.txt"), "w") as f:
        f.write("0-12\n13-24\n25-44\n45+\n")


if __name__ == "__main__":
    main()
