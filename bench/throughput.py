r"""Training throughput per model: ours vs a tutorial-style loop and PyTorch, float32 vs bfloat16.

In one process, for each model of `--models` (built as `train.py
--model=NAME` builds it, on Fashion-MNIST, batch `--batch_size`: with the
default recipe's extra stride-1 blocks and weight average, or with
`--recipe=paper` the papers' networks without them), times:
    tutorial   TensorFlow's DCGAN-tutorial way on the model's own G and D:
               a `tf.function` step with two GradientTapes and one shared
               G forward, called from a Python loop over a
               `from_tensor_slices(...).shuffle().batch()` dataset, float32.
               Only for models whose step is one D and one G update on
               single-input, single-output networks. It keeps no weight
               average (the default recipe's `--ema`).
    torch      for dcgan, the same networks, loss, Adam settings, update
               order and weight average in PyTorch eager mode (bench/torch_dcgan.py), on the same
               images held in memory, `torch.set_num_threads(--torch_threads)`;
               `--torch=eager,bf16,compile` adds `torch/bf16` (autocast) and
               `torch/compile` (`torch.compile` of both networks). Needs the
               `bench` extra (`pip install -e .[bench]`); without torch the
               runner is skipped with one printed line.
    fit/f32    `model.fit` on `keras_gan.data.load`, float32
    fit/bf16   the same under `--precision=mixed_bfloat16`
and, for the first model only, the levers, in the precision `--precision=auto`
picks on this machine (bf16 where the CPU has native bfloat16, else f32)
    fit/bf16/spe  plus `steps_per_execution=--spe`
    fit/bf16/xla  plus `jit_compile=True`
Each variant is timed `--rounds` times, interleaved, after a warm-up; the
best round is reported (with the median beside it) and its speed relative
to the tutorial loop's best round and to PyTorch eager's (`vs tutorial`,
`vs PyTorch`: above 1x is faster). On a shared 2-core machine rounds of the
same variant differ by 10-50 %; the best round is the least disturbed one.
TensorFlow and PyTorch keep separate thread pools in the one process; each
runs alone in its turn, so each gets the machine's cores. PyTorch's OpenMP
threads meet at a barrier in every op, which a machine busy with other jobs
turns into scheduler waits: at a load of 12 on 2 cores, 2 threads ran 30x
slower than 1 (TensorFlow's pool barely moved). Measure on an idle machine,
or look at `--torch_threads=1` beside the default.

FLOPs per step are counted from the layer shapes (convolutions and dense
layers; forward = 2 x MACs, backward = 2 x forward for every pass that
needs it) for the one-D-one-G-update models; MFU is the achieved rate over
the float32 and the bfloat16 matmul peaks measured in the same process.

`--profile` traces `--profile_steps` fit steps of the first model (float32
and bfloat16) with the TensorFlow profiler and prints where the op time goes
(convolution/matmul, batch norm, other elementwise, optimizer, casts, noise)
and the share of wall time in which no op ran (Python, dispatch, waits).

`--onednn_check` runs `--onednn_steps` mixed_bfloat16 fit steps of the
first model in a subprocess with ONEDNN_VERBOSE=1 and counts the oneDNN
primitives that ran, by implementation (e.g. brg_conv_fwd:avx512_core_bf16),
propagation kind and source dtype, with the reorders and any reference
(ref) kernels, to confirm the convolutions run in native bfloat16 kernels.

The DCGAN against TensorFlow's tutorial loop and PyTorch (the final
measurement; `--rounds=0` skips the timing for a check alone):

    python bench/throughput.py --models=dcgan
    python bench/throughput.py --models=dcgan --torch=eager,bf16,compile --onednn_check
    python bench/throughput.py --models=dcgan --rounds=0 --onednn_check

Thread settings are process-wide in TensorFlow, so compare them across runs:

    python bench/throughput.py
    python bench/throughput.py --models=dcgan --inter_op=1 --intra_op=2
    python bench/throughput.py --models=dcgan --profile --rounds=1
    python bench/throughput.py --models=dcgan --width=64 --nolevers
    python bench/throughput.py --models=dcgan --recipe=paper
"""
import collections
import glob
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app
from absl import flags
import numpy as np

flags.DEFINE_list("models", ["dcgan", "lsgan", "sngan", "wgan_gp", "acgan", "infogan", "vae"],
                  "train.py --model names to time; the first also gets the spe/XLA variants.")
flags.DEFINE_integer("batch_size", 64, "Images per step (per critic step for wgan_gp).")
flags.DEFINE_integer("width", 0, "Width of the DCGAN-style networks; 0: train.py's default.")
flags.DEFINE_enum("recipe", "train", ["train", "paper"],
                  "Networks to time: train, train.py's default recipe (its --extra_layers and "
                  "--ema, what a user's run trains); paper, the papers' networks (no extra "
                  "blocks, no weight average), as this bench timed before.")
flags.DEFINE_integer("steps", 64, "Timed steps per measurement.")
flags.DEFINE_integer("rounds", 5, "Interleaved measurements per variant; 0: no timing table.")
flags.DEFINE_integer("spe", 8, "steps_per_execution of the spe variant.")
flags.DEFINE_bool("levers", True, "Time the spe and XLA variants for the first model.")
flags.DEFINE_integer("inter_op", 0, "tf.config inter-op threads (0: TensorFlow's default).")
flags.DEFINE_integer("intra_op", 0, "tf.config intra-op threads (0: TensorFlow's default).")
flags.DEFINE_bool("profile", False, "Profile the first model's fit step and print the breakdown.")
flags.DEFINE_integer("profile_steps", 40, "Steps traced per precision by --profile.")
flags.DEFINE_integer("profile_top", 12, "--profile also lists this many op types (by layer) "
                     "with the most time.")
flags.DEFINE_list("torch", ["eager"], "PyTorch DCGAN variants to time for dcgan: eager, bf16, "
                  "compile; empty for none.")
flags.DEFINE_integer("torch_threads", 0, "torch.set_num_threads (0: the cores this process may use).")
flags.DEFINE_bool("onednn_check", False, "Count the oneDNN kernels of a few bfloat16 fit steps "
                  "of the first model (subprocess, ONEDNN_VERBOSE=1).")
flags.DEFINE_integer("onednn_steps", 4, "Fit steps counted by --onednn_check.")
flags.DEFINE_enum("onednn_precision", "mixed_bfloat16", ["mixed_bfloat16", "float32"],
                  "Precision of the steps --onednn_check counts.")
flags.DEFINE_bool("onednn_child", False, "Internal: the subprocess of --onednn_check.")
flags.DEFINE_list("onednn_frameworks", ["tensorflow"],
                  "Whose steps --onednn_check counts: tensorflow, torch (bench/torch_dcgan.py's "
                  "twin of the dcgan networks, in --onednn_precision), or both; each prints its "
                  "own table, with the time oneDNN reports for each kind of call.")
flags.DEFINE_string("onednn_framework", "tensorflow", "Internal: the --onednn_check child's.")
FLAGS = flags.FLAGS

# Models whose train step is one D update then one G update, with networks
# of one input and one output: the tutorial loop and the FLOP count apply.
_SIMPLE = ("gan", "dcgan", "lsgan", "sngan")
# bench/torch_dcgan.py's networks are dcgan's.
_TORCH_MODELS = ("dcgan",)
_TORCH_VARIANTS = ("eager", "bf16", "compile")


# === FLOPs ===
def forward_flops(model, batch):
    """2 x multiply-adds of the convolutions and dense layers, per batch."""
    import keras

    from keras_gan.keras_internals import flatten_layers

    total = 0
    layers = list(flatten_layers(model, include_self=False))
    wrapped = {id(layer.layer) for layer in layers if hasattr(layer, "layer")}
    for layer in layers:
        if id(layer) in wrapped:
            continue  # counted through its wrapper (e.g. SpectralNormalization)
        inner = getattr(layer, "layer", layer)
        if isinstance(inner, keras.layers.Conv2DTranspose):
            k = np.prod(inner.kernel_size)
            h, w, c_in = layer.input.shape[1:]
            total += 2 * k * c_in * inner.filters * h * w
        elif isinstance(inner, keras.layers.Conv2D):
            k = np.prod(inner.kernel_size)
            c_in = layer.input.shape[-1]
            h, w = layer.output.shape[1:3]
            total += 2 * k * c_in * inner.filters * h * w
        elif isinstance(inner, keras.layers.Dense):
            total += 2 * layer.input.shape[-1] * inner.units
    return int(total) * batch


def step_flops(g_forward, d_forward):
    """One keras_gan step: one G forward shared by both updates; D update
    (D forward and full backward on the real and the fake batch), then G
    update (the updated D's forward, D's input gradient, G's backward)."""
    d_step = 2 * d_forward + 2 * (2 * d_forward)
    g_step = d_forward + d_forward + 2 * g_forward
    return g_forward + d_step + g_step


def tutorial_flops(g_forward, d_forward):
    """The tutorial's step: one G forward shared by both losses; D forward
    and full backward on both batches, D's input gradient for G, G backward."""
    return g_forward + 2 * d_forward + 2 * (2 * d_forward) + d_forward + 2 * g_forward


def matmul_peak(dtype, n=4096, repeat=10):
    import tensorflow as tf

    a = tf.random.normal((n, n), dtype=dtype)
    b = tf.random.normal((n, n), dtype=dtype)
    f = tf.function(lambda a, b: tf.matmul(a, b))
    f(a, b).numpy()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        f(a, b).numpy()
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best


# === Variants ===
def fashion_mnist_images():
    from keras_gan import data

    batch = next(iter(data.load("fashion_mnist", batch_size=60000, shuffle=False, drop_remainder=False)))
    return np.asarray(batch)


def build(name, **options):
    """The model `train.py --model=NAME` trains, and its training data."""
    from keras_gan import families
    from keras_gan import trainer

    family = families.family_for(name)
    takes = {o.name for o in family.options_for(family.models[name])}
    if FLAGS.width:
        options["width"] = FLAGS.width
    # --recipe=paper: the papers' networks, without the default recipe's
    # extra blocks and weight average (for the models that have them). The
    # PyTorch twin (bench/torch_dcgan.py) follows the model either way.
    if FLAGS.recipe == "paper":
        for option, value in (("extra_layers", 0), ("ema", 0.0)):
            if option in takes:
                options.setdefault(option, value)
    # Each variant names its precision; the others are float32, not train.py's auto.
    options.setdefault("precision", "float32")
    options.setdefault("dataset", "fashion_mnist")
    config = trainer.make_config(model=name, batch_size=FLAGS.batch_size, **options)
    _, cls, ctx = trainer.run_context(config)
    dataset, info = family.load_data(ctx, split="train", seed=0, repeat=True,
                                     batch_size=family.examples_per_step(ctx))
    return family.build(ctx, cls, info), dataset


def tutorial_runner(name, train_images):
    """The tutorial's loop around fresh copies of the model's G and D."""
    import keras
    import tensorflow as tf

    model, _ = build(name)
    generator, discriminator = model.generator, model.discriminator
    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
    g_opt, d_opt = keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4)
    batch, latent_dim = FLAGS.batch_size, model.latent_dim

    @tf.function
    def train_step(real):
        noise = tf.random.normal([batch, latent_dim])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            fake = generator(noise, training=True)
            real_out = discriminator(real, training=True)
            fake_out = discriminator(fake, training=True)
            g_loss = cross_entropy(tf.ones_like(fake_out), fake_out)
            d_loss = (cross_entropy(tf.ones_like(real_out), real_out)
                      + cross_entropy(tf.zeros_like(fake_out), fake_out))
        g_opt.apply_gradients(zip(gen_tape.gradient(g_loss, generator.trainable_variables),
                                  generator.trainable_variables))
        d_opt.apply_gradients(zip(disc_tape.gradient(d_loss, discriminator.trainable_variables),
                                  discriminator.trainable_variables))

    dataset = tf.data.Dataset.from_tensor_slices(train_images).shuffle(60000).batch(
        batch, drop_remainder=True).repeat()
    iterator = iter(dataset)

    def run(steps):
        start = time.perf_counter()
        for _ in range(steps):
            train_step(next(iterator))
        g_opt.iterations.numpy()
        return (time.perf_counter() - start) / steps

    return run


class _StepClock:
    """Times fit's steps from the end of the first to the end of the last
    (one `fit` call also spends a fixed time creating and closing its data
    iterator: a few hundred ms to 2 s here, paid once per epoch)."""

    def __init__(self):
        import keras

        clock = self

        class Callback(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                clock.stamps.append(time.perf_counter())

        self.callback = Callback()
        self.stamps = []

    def seconds_per_step(self):
        return (self.stamps[-1] - self.stamps[0]) / (len(self.stamps) - 1)


def fit_runner(name, **options):
    model, dataset = build(name, **options)
    spe = options.get("steps_per_execution", 1)

    def run(steps):
        clock = _StepClock()
        model.fit(dataset, steps_per_epoch=steps + spe, epochs=1, verbose=0, callbacks=[clock.callback])
        # Callbacks see every spe-th step.
        return clock.seconds_per_step() / spe

    run.model = model
    return run


def import_torch_dcgan():
    """bench/torch_dcgan.py, or None (and one printed line) without torch."""
    try:
        import torch  # noqa: F401
    except ImportError:
        print("PyTorch baseline skipped: torch is not importable "
              "(pip install -e .[bench] installs the pinned version).\n")
        return None
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import torch_dcgan

    return torch_dcgan


def torch_trainer(torch_dcgan, model, train_images, variant):
    """PyTorch twins of the Keras `model`'s networks and recipe, `variant`
    one of "eager", "bf16", "compile", on `--torch_threads` threads."""
    import torch

    torch.set_num_threads(FLAGS.torch_threads or torch_dcgan.available_cores())
    return torch_dcgan.Trainer(train_images, FLAGS.batch_size, model.latent_dim, model.width,
                               compile=variant == "compile", bf16=variant == "bf16",
                               extra_layers=model.extra_layers, ema=model.ema or 0.0)


def torch_runners(torch_dcgan, model, train_images):
    """`{"torch" | "torch/bf16" | "torch/compile": run}` per `--torch`, on
    PyTorch twins of the Keras `model`'s networks (counts checked)."""
    runners = {}
    for variant in FLAGS.torch:
        trainer = torch_trainer(torch_dcgan, model, train_images, variant)
        runners["torch" if variant == "eager" else f"torch/{variant}"] = trainer.run
    if runners:
        print("Parameters (trainable + batch-norm statistics):")
        torch_dcgan.check_parameter_counts((model.generator, model.discriminator),
                                           (trainer.generator, trainer.discriminator))
        print()
    return runners


# === Profile ===
def _category(name):
    scope, _, op = name.rpartition(":")
    scope = scope.lower()
    if "Conv" in op or "MatMul" in op:
        return "convolution / matmul (oneDNN)"
    if "adam" in scope or "Assign" in op:
        return "optimizer (Adam, metric updates)"
    if "batch_normalization" in scope:
        return "batch normalization"
    if op == "Cast":
        return "dtype casts"
    if op.startswith("StatelessRandom") or op.startswith("RandomStandard"):
        return "noise"
    return "activations, losses, other elementwise"


def profile(run, steps):
    """Traces `steps` of `run` and returns (wall s, {category: op s}, idle share)."""
    import tensorflow as tf
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    logdir = tempfile.mkdtemp(prefix="keras_gan_profile_")
    tf.profiler.experimental.start(logdir)
    wall = run(steps) * steps
    tf.profiler.experimental.stop()
    space = xplane_pb2.XSpace()
    with open(sorted(glob.glob(os.path.join(logdir, "**", "*.xplane.pb"), recursive=True))[-1], "rb") as f:
        space.ParseFromString(f.read())
    plane = next(p for p in space.planes if p.name == "/host:CPU")
    names = plane.event_metadata
    seconds = collections.Counter()
    by_op = collections.Counter()
    intervals = []
    for line in plane.lines:
        if not line.name.startswith("tf_Compute"):
            continue
        for event in line.events:
            name = names[event.metadata_id].name
            # ExecutorState wraps the ops below; ParallelFor is a thread
            # pool's share of the op that called it (counted with that op).
            if name.startswith("ExecutorState") or name == "ParallelFor":
                continue
            seconds[_category(name)] += event.duration_ps * 1e-12
            by_op[(_op_label(name), _category(name))] += event.duration_ps * 1e-12
            begin = line.timestamp_ns * 1e3 + event.offset_ps
            intervals.append((begin, begin + event.duration_ps))
    # Wall time covered by at least one op; the rest is Python, dispatch
    # and waiting (for data, for the next call).
    intervals.sort()
    covered, end = 0, None
    for begin, stop in intervals:
        if end is None or begin > end:
            covered += stop - begin
            end = stop
        elif stop > end:
            covered += stop - end
            end = stop
    span = (intervals[-1][1] - intervals[0][0]) if intervals else 0
    idle = 1 - covered / span if span else float("nan")
    return wall, seconds, idle, by_op


def _op_label(name):
    """`OpType in scope` for an event named `scope:OpType`, the scope as
    TensorFlow wrote it (call-count suffixes such as `_1` kept, so two
    layers are never merged)."""
    scope, _, op = name.rpartition(":")
    scope = scope.removeprefix("StatefulPartitionedCall/")
    return f"{op} in {scope}" if scope else op


def print_profile(name):
    print(f"\n### Where the time goes: {name} fit step, batch {FLAGS.batch_size}, "
          f"{FLAGS.profile_steps} traced steps\n")
    results = {}
    for precision in ("float32", "mixed_bfloat16"):
        run = fit_runner(name, precision=precision)
        run(8)
        results[precision] = profile(run, FLAGS.profile_steps)
    categories = sorted({c for _, seconds, _, _ in results.values() for c in seconds},
                        key=lambda c: -results["float32"][1].get(c, 0))
    print("| op time per step (summed over threads) | float32 ms | share | bfloat16 ms | share |")
    print("|---|---|---|---|---|")
    for c in categories:
        cells = []
        for precision in ("float32", "mixed_bfloat16"):
            _, seconds, _, _ = results[precision]
            total = sum(seconds.values())
            cells += [f"{seconds.get(c, 0) / FLAGS.profile_steps * 1e3:.1f}",
                      f"{seconds.get(c, 0) / total:.0%}"]
        print(f"| {c} | " + " | ".join(cells) + " |")
    print("| **wall time per step (traced)** | "
          + " | ".join(f"{results[p][0] / FLAGS.profile_steps * 1e3:.1f} | "
                       for p in ("float32", "mixed_bfloat16")) + "|")
    print("| **share of wall time with no op running** (Python, dispatch, data wait) | "
          + " | ".join(f"{results[p][2]:.0%} | " for p in ("float32", "mixed_bfloat16")) + "|")
    if FLAGS.profile_top:
        # Each precision's model is built apart, so its layers carry other
        # name-scope suffixes: rank each precision on its own.
        print(f"\nThe {FLAGS.profile_top} op types with the most time in each precision "
              "(by the layer they belong to; the two models' scope suffixes differ):\n")
        print("| rank | float32 op | ms/step | bfloat16 op | ms/step |")
        print("|---|---|---|---|---|")
        f32 = results["float32"][3].most_common(FLAGS.profile_top)
        bf16 = results["mixed_bfloat16"][3].most_common(FLAGS.profile_top)
        for rank in range(max(len(f32), len(bf16))):
            cells = []
            for ranked in (f32, bf16):
                if rank < len(ranked):
                    (label, category), value = ranked[rank]
                    cells += [f"{label} ({category})", f"{value / FLAGS.profile_steps * 1e3:.1f}"]
                else:
                    cells += ["", ""]
            print(f"| {rank + 1} | " + " | ".join(cells) + " |")


# === oneDNN kernels ===
_ONEDNN_MARK = "onednn_check: counted steps follow"


def onednn_child(name):
    """Runs in the --onednn_check subprocess: warm-up, mark, counted steps."""
    if FLAGS.onednn_framework == "torch":
        model = build(name)[0]
        torch_dcgan = import_torch_dcgan()
        if torch_dcgan is None:
            raise SystemExit("--onednn_frameworks=torch needs PyTorch (pip install -e .[bench]).")
        trainer = torch_trainer(torch_dcgan, model, fashion_mnist_images(),
                                "eager" if FLAGS.onednn_precision == "float32" else "bf16")
        trainer.run(3)
        print(_ONEDNN_MARK, flush=True)
        trainer.run(FLAGS.onednn_steps)
        return
    run = fit_runner(name, precision=FLAGS.onednn_precision)
    run(2)
    print(_ONEDNN_MARK, flush=True)
    run(FLAGS.onednn_steps - 1)  # fit_runner's run(n) takes n + 1 steps


def onednn_check(name):
    """Prints the oneDNN primitives of `--onednn_steps` fit steps, per framework."""
    for framework in FLAGS.onednn_frameworks:
        onednn_table(name, framework)


def onednn_table(name, framework):
    command = [sys.executable, os.path.abspath(__file__), f"--models={name}", "--onednn_child",
               f"--onednn_framework={framework}", f"--torch_threads={FLAGS.torch_threads}",
               f"--onednn_steps={FLAGS.onednn_steps}", f"--batch_size={FLAGS.batch_size}",
               f"--onednn_precision={FLAGS.onednn_precision}",
               f"--width={FLAGS.width}", f"--recipe={FLAGS.recipe}", f"--inter_op={FLAGS.inter_op}",
               f"--intra_op={FLAGS.intra_op}"]
    env = dict(os.environ, ONEDNN_VERBOSE="1")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    what = f"{name} fit step" if framework == "tensorflow" else f"PyTorch twin of {name}, step"
    print(f"\n### oneDNN kernels: {what}, {FLAGS.onednn_precision}, batch {FLAGS.batch_size}, "
          f"{FLAGS.onednn_steps} counted steps (ONEDNN_VERBOSE=1)\n")
    if result.returncode or _ONEDNN_MARK not in result.stdout:
        print(f"The oneDNN check's subprocess failed (exit {result.returncode}); its last output:\n"
              + "\n".join((result.stdout + result.stderr).splitlines()[-20:]))
        return
    setup, counted = result.stdout.split(_ONEDNN_MARK, 1)
    # The library's version, ISA and threading runtime, printed once.
    info = [", ".join(f for f in line.split(",")[3:] if f) for line in setup.splitlines()
            if line.startswith("onednn_verbose") and ",info," in line
            and ("oneDNN v" in line or ",cpu," in line)]
    if info:
        print("oneDNN: " + "; ".join(info) + "\n")
    calls, times = collections.Counter(), collections.Counter()
    for line in counted.splitlines():
        fields = line.split(",")
        # onednn_verbose[,v1],primitive,exec,cpu,KIND,IMPLEMENTATION,PROPAGATION,MEMORY,...
        if not line.startswith("onednn_verbose") or "exec" not in fields:
            continue
        at = fields.index("exec")
        kind, implementation, propagation = fields[at + 2:at + 5]
        # "src:bf16::blocked:acdb::f0" (oneDNN 3.x) or "src_f32::blocked:ab:f0".
        memory = dict((role, (dtype, tag)) for role, dtype, tag in re.findall(
            r"\b(src|dst)[_:](\w+?):\w*:\w+:(\w+)", fields[at + 5] if len(fields) > at + 5 else ""))
        # Reorders change layout (or dtype): show both; the others, the dtypes.
        ends = [":".join(memory[r]) if kind == "reorder" else memory[r][0] if r in memory else "?"
                for r in ("src", "dst")]
        key = (kind, implementation, propagation, "->".join(ends))
        calls[key] += 1
        try:  # the last field: the call's execution time in ms
            times[key] += float(fields[-1])
        except ValueError:
            pass
    if not calls:
        print("No oneDNN primitive ran: this TensorFlow build does not use oneDNN here, "
              "or TF_ENABLE_ONEDNN_OPTS=0 is set.")
        return
    print("| primitive | implementation | propagation | src->dst | calls/step | ms/step |")
    print("|---|---|---|---|---|---|")
    for key, count in sorted(calls.items(), key=lambda item: (item[0][0], -item[1])):
        kind, implementation, propagation, dtypes = key
        print(f"| {kind} | {implementation or '-'} | {propagation} | {dtypes} "
              f"| {count / FLAGS.onednn_steps:g} | {times[key] / FLAGS.onednn_steps:.2f} |")
    by_kind = collections.Counter()
    for key, value in times.items():
        by_kind[key[0]] += value
    print("\noneDNN's own execution time per step: " + ", ".join(
        f"{kind} {value / FLAGS.onednn_steps:.2f} ms" for kind, value in by_kind.most_common()))
    convolutions = {k: n for k, n in calls.items() if k[0] in ("convolution", "deconvolution")}
    native = sum(n for k, n in convolutions.items()
                 if ("bf16" in k[1] or "amx" in k[1]) and k[3].startswith("bf16"))
    reference = sum(n for k, n in calls.items() if k[1].startswith("ref") or ":ref" in k[1])
    reorders = {k: n for k, n in calls.items() if k[0] == "reorder"}
    casts = sum(n for k, n in reorders.items()
                if len({end.split(":")[0] for end in k[3].split("->")}) > 1)
    per_step = FLAGS.onednn_steps
    print(f"\nConvolution calls in a bf16 (or AMX) kernel: {native / per_step:g} of "
          f"{sum(convolutions.values()) / per_step:g} per step; reference (ref) kernels: "
          f"{reference / per_step:g} per step; reorders: {sum(reorders.values()) / per_step:g} "
          f"per step, {casts / per_step:g} of them changing the dtype.")


def pipeline_rate(batches=400):
    """Images/s that `keras_gan.data.load` delivers with no training."""
    from keras_gan import data

    iterator = iter(data.load("fashion_mnist", batch_size=FLAGS.batch_size, repeat=True))
    for _ in range(20):
        next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * FLAGS.batch_size / (time.perf_counter() - start)


# === Main ===
def timed(runners, steps):
    for run in runners.values():
        run(2 * FLAGS.spe)  # trace, compile, warm up
    times = {name: [] for name in runners}
    for _ in range(FLAGS.rounds):
        for name, run in runners.items():
            times[name].append(run(steps))
    return times


def main(argv):
    import keras_gan  # noqa: F401  Before TensorFlow: the oneDNN choice for this CPU.
    import tensorflow as tf

    if FLAGS.inter_op:
        tf.config.threading.set_inter_op_parallelism_threads(FLAGS.inter_op)
    if FLAGS.intra_op:
        tf.config.threading.set_intra_op_parallelism_threads(FLAGS.intra_op)
    if FLAGS.onednn_child:
        onednn_child(FLAGS.models[0])
        return
    unknown = sorted(set(FLAGS.torch) - set(_TORCH_VARIANTS))
    if unknown:
        raise app.UsageError(f"--torch takes {', '.join(_TORCH_VARIANTS)}. Received: {unknown}")
    if FLAGS.rounds:
        print_timings()
    if FLAGS.profile:
        print_profile(FLAGS.models[0])
    if FLAGS.onednn_check:
        onednn_check(FLAGS.models[0])


def print_timings():
    import tensorflow as tf

    from keras_gan import trainer

    train_images = fashion_mnist_images()
    torch_dcgan, torch_threads = None, "n/a"
    if FLAGS.torch and any(name in _TORCH_MODELS for name in FLAGS.models):
        torch_dcgan = import_torch_dcgan()
    if torch_dcgan is not None:
        import torch

        # torch_trainer sets this many threads.
        torch_threads = (f"{FLAGS.torch_threads or torch_dcgan.available_cores()} "
                         f"(torch {torch.__version__})")
    if FLAGS.steps < FLAGS.spe:
        raise app.UsageError(f"--steps={FLAGS.steps} is fewer than --spe={FLAGS.spe}: the timed "
                             "steps are whole multiples of --spe; raise --steps or lower --spe.")
    steps = FLAGS.steps - FLAGS.steps % FLAGS.spe
    peak_f32, peak_bf16 = matmul_peak(tf.float32), matmul_peak(tf.bfloat16)
    print(f"Fashion-MNIST, batch {FLAGS.batch_size}, {steps} steps x {FLAGS.rounds} interleaved "
          f"rounds, best round (median); threads inter_op={FLAGS.inter_op or 'default'} "
          f"intra_op={FLAGS.intra_op or 'default'}, PyTorch {torch_threads}")
    print("Networks: " + ("train.py's default recipe (its --width, --extra_layers and --ema)"
                          if FLAGS.recipe == "train" else
                          "the papers' (--recipe=paper: no extra blocks, no weight average)"))
    from keras_gan import precision

    onednn, onednn_reason = precision.onednn()
    cpu = precision.cpu_name()
    auto_policy = precision.choose()[0]
    print(f"CPU: {cpu}; precision auto would pick {' '.join(precision.choose())}; "
          f"TensorFlow's oneDNN kernels: {onednn} ({onednn_reason})")
    print(f"Measured 4096^3 matmul peak: float32 {peak_f32 / 1e9:.0f} GFLOP/s, "
          f"bfloat16 {peak_bf16 / 1e9:.0f} GFLOP/s")
    print(f"Input pipeline alone (keras_gan.data.load, iterated eagerly): "
          f"{pipeline_rate():.0f} images/s\n")
    # Built before the table, which their parameter counts would interrupt.
    torch_for = {}
    if torch_dcgan is not None:
        torch_for = {name: torch_runners(torch_dcgan, build(name)[0], train_images)
                     for name in FLAGS.models if name in _TORCH_MODELS}
    print("| model | variant | ms/step | images/s | vs tutorial | vs PyTorch | GFLOP/step | GFLOP/s "
          "| % of f32 peak | % of bf16 peak (MFU) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    summary = []
    for index, name in enumerate(FLAGS.models):
        runners = {}
        simple = name in _SIMPLE
        if simple:
            runners["tutorial"] = tutorial_runner(name, train_images)
        # Interleaved with the others, round by round.
        runners.update(torch_for.get(name, {}))
        runners["fit/f32"] = fit_runner(name, precision="float32")
        runners["fit/bf16"] = fit_runner(name, precision="mixed_bfloat16")
        if index == 0 and FLAGS.levers:
            # The levers on top of the precision train.py's auto picks here.
            tag = "bf16" if auto_policy == "mixed_bfloat16" else "f32"
            runners[f"fit/{tag}/spe"] = fit_runner(name, precision=auto_policy,
                                                   steps_per_execution=FLAGS.spe)
            runners[f"fit/{tag}/xla"] = fit_runner(name, precision=auto_policy, jit_compile=True)
        times = timed(runners, steps)
        model = runners["fit/f32"].model
        family, _, ctx = trainer.run_context(
            trainer.TrainConfig(model=name, batch_size=FLAGS.batch_size))
        images_per_step = family.examples_per_step(ctx)
        flops = {}
        if simple:
            g = forward_flops(model.generator, FLAGS.batch_size)
            d = forward_flops(model.discriminator, FLAGS.batch_size)
            flops = {variant: (tutorial_flops(g, d) if variant == "tutorial" else step_flops(g, d))
                     for variant in runners}
        # The best round is the least disturbed one on a shared machine; the
        # median shows how much the rounds moved.
        base = min(times["tutorial"]) if simple else None
        torch_base = min(times["torch"]) if "torch" in times else None
        for variant, values in times.items():
            seconds = min(values)
            spread = f"{seconds * 1e3:.1f} ({statistics.median(values) * 1e3:.0f})"
            ratio = f"{base / seconds:.2f}x" if base else "n/a"
            ratio += f" | {torch_base / seconds:.2f}x" if torch_base else " | n/a"
            if flops:
                rate = flops[variant] / seconds
                cost = (f"{flops[variant] / 1e9:.2f} | {rate / 1e9:.0f} | {rate / peak_f32:.0%} "
                        f"| {rate / peak_bf16:.0%}")
            else:
                cost = "n/a | n/a | n/a | n/a"
            print(f"| {name} | {variant} | {spread} | {images_per_step / seconds:.0f} | {ratio} | {cost} |",
                  flush=True)
        for variant in ("fit/f32", "fit/bf16"):
            seconds = min(times[variant])
            against = [f"{base / seconds:.2f}x the TF tutorial loop"] if base else []
            against += [f"{torch_base / seconds:.2f}x PyTorch eager"] if torch_base else []
            if against:
                summary.append(f"{name} {variant} runs at " + " and ".join(against)
                               + " (best rounds; above 1x is faster).")
    if summary:
        print("\n" + "\n".join(summary))


if __name__ == "__main__":
    app.run(main)
