"""Writing a SavedModel for TF Serving: the module that holds the weights,
its signatures, the declared input shapes and the warm-up requests."""

import os
import shutil
import tempfile

import tensorflow as tf

from keras_gan.export.writer import replace

__all__ = ["WARMUP_BATCH_SIZES", "declare_input_shapes", "predict_log", "tf_variables",
           "uint8_images", "variables_module", "write_saved_model"]

# Batch sizes of the TF Serving warm-up requests of every export.
WARMUP_BATCH_SIZES = (1, 8)


def tf_variables(model):
    """The tf.Variables behind a Keras 3 model's variables.

    Keras 3 variables are not tf.Module trackables; a module that should save
    (or freeze into TFLite) the weights must hold the tf.Variables itself.
    """
    return [getattr(v, "value", v) for v in model.variables]


def variables_module(network):
    """A `tf.Module` holding the tf.Variables of `network`, ready to take
    serving functions and be saved."""
    module = tf.Module()
    module.tf_variables = tf_variables(network)
    return module


def uint8_images(images):
    """Images in [-1, 1] as uint8 tensors: round((x + 1) * 127.5), clipped
    (what `keras_gan.images.to_uint8` does to numpy arrays)."""
    return tf.cast(tf.clip_by_value(tf.round((images + 1.0) * 127.5), 0, 255), tf.uint8)


def predict_log(model_name, signature, inputs):
    """One TF Serving warm-up record: a PredictionLog asking `signature` of
    `model_name` for `inputs` ({name: numpy value})."""
    from tensorflow_serving.apis import model_pb2
    from tensorflow_serving.apis import predict_pb2
    from tensorflow_serving.apis import prediction_log_pb2

    request = predict_pb2.PredictRequest(
        model_spec=model_pb2.ModelSpec(name=model_name, signature_name=signature))
    for key, value in inputs.items():
        request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
    return prediction_log_pb2.PredictionLog(
        predict_log=prediction_log_pb2.PredictLog(request=request))


def declare_input_shapes(directory, shapes):
    """Writes `shapes` ({signature: {input: shape}}, None for any size) into
    the SignatureDefs of the SavedModel in `directory`.

    The serving functions take z of any width so that a wrong one reaches
    their own check (with a static width, graph optimisation folds the check
    away and the first layer fails with a shape error of its own); the
    SignatureDef, which is what TF Serving clients and `saved_model_cli show`
    read, states the width the model needs.
    """
    from tensorflow.core.protobuf import saved_model_pb2

    pb = os.path.join(directory, "saved_model.pb")
    saved = saved_model_pb2.SavedModel()
    with open(pb, "rb") as f:
        saved.ParseFromString(f.read())
    for graph in saved.meta_graphs:
        for signature, inputs in shapes.items():
            if signature not in graph.signature_def:
                continue
            for name, shape in inputs.items():
                tensor_shape = graph.signature_def[signature].inputs[name].tensor_shape
                tensor_shape.Clear()
                for size in shape:
                    tensor_shape.dim.add(size=-1 if size is None else int(size))
    with open(pb, "wb") as f:
        f.write(saved.SerializeToString())


def write_saved_model(module, signatures, path, warmup_records=None, input_shapes=None):
    """Saves `module` with `signatures` to `path` through a temporary
    directory renamed into place, with TF Serving warm-up records when
    given and `input_shapes` (see `declare_input_shapes`); returns `path`."""
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.tmp-", dir=os.path.dirname(path))
    try:
        # A fresh directory is made by save(); mkdtemp only reserved the name.
        os.rmdir(tmp)
        tf.saved_model.save(module, tmp, signatures=signatures)
        if input_shapes:
            declare_input_shapes(tmp, input_shapes)
        if warmup_records is not None:
            extra = os.path.join(tmp, "assets.extra")
            os.makedirs(extra, exist_ok=True)
            with tf.io.TFRecordWriter(
                os.path.join(extra, "tf_serving_warmup_requests")
            ) as writer:
                for record in warmup_records:
                    writer.write(record.SerializeToString())
        replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path
