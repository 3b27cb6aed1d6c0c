"""tf.distribute strategies for training: one device, many devices, many
machines, TPUs.

Every model's `train_step` is correct under these strategies: each replica's
loss is scaled by 1/replicas (gradients are summed across replicas), metric
trackers are summed across replicas, each replica draws its own slice of the
global batch's noise, and DCGAN batch normalization is synchronized, so a
step on N replicas equals a one-device step on the same global batch.
"""

import json
import os

import tensorflow as tf

__all__ = ["STRATEGIES", "make_strategy", "is_chief", "split_cpu"]

STRATEGIES = ("default", "mirrored", "multiworker", "tpu")


def split_cpu(count):
    """Splits the CPU into `count` logical devices (to run MirroredStrategy
    on one machine, e.g. in tests). Must run before TensorFlow touches a
    device."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * count
        )
    except RuntimeError as e:
        raise ValueError(
            "The CPU can only be split before TensorFlow has initialized its "
            "devices; pass --cpu_devices on the command line of a fresh process."
        ) from e


def make_strategy(name="default", tpu=""):
    """Returns the `tf.distribute.Strategy` called `name`.

    Args:
        name: str. "default" (one device), "mirrored" (all local GPUs, or
            every logical CPU device), "multiworker" (MultiWorkerMirrored
            across the machines of the `TF_CONFIG` cluster), "tpu"
            (TPUStrategy through the TPU cluster resolver).
        tpu: str. TPU name or address for "tpu"; empty on a TPU VM.
    """
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in gpus or tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    if name == "multiworker":
        if "TF_CONFIG" not in os.environ:
            raise ValueError(
                "--strategy=multiworker needs the TF_CONFIG environment variable "
                "describing the cluster and this worker's task (see the README)."
            )
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "tpu":
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    raise ValueError(f"Unknown strategy {name!r}; choose one of {STRATEGIES}.")


def is_chief(strategy):
    """Whether this process writes the run's files (samples, checkpoints)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not getattr(resolver, "task_type", None):
        return True
    if resolver.task_type == "chief":
        return True
    cluster = json.loads(os.environ.get("TF_CONFIG", "{}")).get("cluster", {})
    # Without a "chief" task, worker 0 is the chief (the Keras convention).
    return "chief" not in cluster and resolver.task_type == "worker" and resolver.task_id == 0


def task_id(strategy):
    resolver = getattr(strategy, "cluster_resolver", None)
    return getattr(resolver, "task_id", 0) or 0
