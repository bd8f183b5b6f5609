"""Scarp training package: datasets, architectures, training, evaluation and ONNX export."""
