"""Command line of the melody family.

    python -m keras_gan.midinet train --out_dir runs/midinet --time_limit 300
    python -m keras_gan.midinet generate --model runs/midinet --chords "C G Am F" --out melody
    python -m keras_gan.midinet evaluate --model runs/midinet
    python -m keras_gan.midinet export --model runs/midinet --export_dir runs/midinet/export
    python -m keras_gan.midinet agreement

`train` runs the family the way `train.py --model=midinet` will: run
folder with `options.json`, checkpoints (running it again resumes), health
checks, a melody per epoch under `samples/`, `metrics.json`, `model.keras`
and `export/`.
"""

import argparse
import dataclasses
import json
import os
import sys
import time


def _load(path):
    import keras

    import keras_gan.midinet  # noqa: F401  (registers MidiNet)

    if os.path.isdir(path):
        path = os.path.join(path, "model.keras")
    if not os.path.exists(path):
        sys.exit(f"{path} does not exist; pass a .keras file or a finished run directory.")
    return keras.models.load_model(path, safe_mode=True)


def _context(args):
    from keras_gan.family import RunContext
    from keras_gan.midinet.family import MidiNetFamily

    family = MidiNetFamily()
    config = argparse.Namespace(
        model="midinet", dataset=args.dataset, latent_dim=args.latent_dim, width=args.width,
        seed=args.seed, batch_size=args.batch_size, epochs=args.epochs, out_dir=args.out_dir,
        d_learning_rate=None, g_learning_rate=None, samples_every=1, on_nan="rollback",
    )
    options = {o.name: getattr(args, o.name, o.default) for o in family.options}
    return family, RunContext(config=config, options=options, out_dir=args.out_dir)


def train(args):
    from keras_gan import callbacks as callbacks_lib
    from keras_gan.midinet import evaluation

    family, ctx = _context(args)
    os.makedirs(args.out_dir, exist_ok=True)
    options_path = os.path.join(args.out_dir, "options.json")
    options = {**vars(ctx.config), **ctx.options}
    if os.path.exists(options_path):
        with open(options_path) as f:
            old = json.load(f)
        shape = ("latent_dim", "width", "dense_units", "dataset", "held_out")
        changed = [k for k in shape if old.get(k) != options.get(k)]
        if changed:
            sys.exit(f"{args.out_dir} was trained with other {', '.join(changed)}; "
                     "use another --out_dir or the same options.")
    with open(options_path, "w") as f:
        json.dump(options, f, indent=2)
    dataset, info = family.load_data(ctx, split="train", seed=args.seed, repeat=True,
                                     batch_size=args.batch_size)
    model = family.build(ctx, family.models["midinet"], info)
    steps_per_epoch = info.num_examples // args.batch_size
    checkpoint = callbacks_lib.Checkpoint(os.path.join(args.out_dir, "checkpoints"))
    start = checkpoint.restore(model)
    initial_epoch, skip = divmod(start, steps_per_epoch)
    if initial_epoch >= args.epochs:
        print(f"{args.out_dir} has finished its {args.epochs} epochs.")
    else:
        callbacks = family.callbacks(ctx, model, info) + [
            checkpoint,
            callbacks_lib.LossPlot(os.path.join(args.out_dir, "losses.csv"),
                                   os.path.join(args.out_dir, "losses.png")),
        ]
        if args.time_limit:
            callbacks.append(callbacks_lib.TimeLimit(args.time_limit))
        began = time.time()
        model.fit(dataset.skip(skip), epochs=args.epochs, initial_epoch=initial_epoch,
                  steps_per_epoch=steps_per_epoch, callbacks=callbacks, verbose=2)
        checkpoint.save()
        print(f"trained {model.train_steps - start} steps ({model.train_steps} in all) "
              f"in {time.time() - began:.0f} s")
    model.save(os.path.join(args.out_dir, "model.keras"))
    metrics = family.evaluate(ctx, model, info)
    metrics["train_steps"] = model.train_steps
    with open(os.path.join(args.out_dir, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    print(evaluation.format_table({k: v for k, v in metrics.items() if isinstance(v, dict)}))
    if args.export:
        result = family.export(model, os.path.join(args.out_dir, "export"))
        print("export parity (max abs diff):", result["parity"])


def generate(args):
    from keras_gan.midinet import data as data_lib
    from keras_gan.midinet import midi_io

    model = _load(args.model)
    chords = data_lib.parse_chords(args.chords)
    melody = model.generate_melody(chords, seed=args.seed)
    stem = args.out[:-4] if args.out.endswith(".mid") else args.out
    print("wrote", midi_io.write_midi(melody, stem + ".mid", chords if args.with_chords else None,
                                      tempo=args.tempo))
    print("wrote", midi_io.save_pianoroll(melody, args.png or stem + ".png", chords,
                                          title=f"MidiNet over {args.chords} (seed {args.seed})"))
    if args.wav:
        wav = midi_io.write_wav(stem + ".mid", stem + ".wav")
        print("wrote", wav) if wav else print("no .wav: install fluidsynth and fluid-soundfont-gm")


def evaluate(args):
    from keras_gan.midinet import evaluation

    family, ctx = _context(args)
    _, train_pieces, test_pieces = family._pieces(ctx)
    model = _load(args.model) if args.model else None
    print(evaluation.format_table(evaluation.evaluate(model, train_pieces, test_pieces, args.seed)))


def export(args):
    from keras_gan.midinet import export as export_lib

    info = export_lib.export(_load(args.model), args.export_dir, overwrite=True)
    print(json.dumps({"files": info["files"], "parity": info["parity"]}, indent=2))


def agreement(args):
    from keras_gan.midinet import analyses

    print(json.dumps(analyses.chord_label_agreement(), indent=2))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m keras_gan.midinet", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    def run_options(p):
        p.add_argument("--dataset", default="bach_chorales", help="bach_chorales or a MIDI folder")
        p.add_argument("--out_dir", default="runs/midinet")
        p.add_argument("--latent_dim", type=int, default=100)
        p.add_argument("--width", type=int, default=64)
        p.add_argument("--dense_units", type=int, default=1024)
        p.add_argument("--generator_updates", type=int, default=2)
        p.add_argument("--held_out", type=float, default=0.1)
        p.add_argument("--melody_cache", default="")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--batch_size", type=int, default=72)

    p = commands.add_parser("train", help="train MidiNet in a run folder (resumable)")
    run_options(p)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--time_limit", type=float, default=0, help="seconds; 0 = none")
    p.add_argument("--progression", default="C Am F G C F G C")
    p.add_argument("--no_export", dest="export", action="store_false")
    p.set_defaults(run=train)

    p = commands.add_parser("generate", help="a melody over a chord progression")
    p.add_argument("--model", required=True, help=".keras file or run folder")
    p.add_argument("--chords", required=True, help='one chord per bar, e.g. "C G Am F"')
    p.add_argument("--out", default="melody", help="output stem: .mid, .png (and .wav)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tempo", type=float, default=90.0)
    p.add_argument("--with_chords", action="store_true", help="also write the chords as a track")
    p.add_argument("--png", default="", help="piano-roll path ('' = <out>.png)")
    p.add_argument("--no_wav", dest="wav", action="store_false", help="skip the .wav")
    p.set_defaults(run=generate)

    p = commands.add_parser("evaluate", help="the statistics table on the held-out chorales")
    run_options(p)
    p.add_argument("--model", default="", help=".keras file or run folder; '' = baselines only")
    p.set_defaults(run=evaluate, epochs=0)

    p = commands.add_parser("export", help="SavedModel + TFLite with parity check")
    p.add_argument("--model", required=True)
    p.add_argument("--export_dir", required=True)
    p.set_defaults(run=export)

    p = commands.add_parser("agreement", help="chord labels vs music21's Roman-numeral analyses")
    p.set_defaults(run=agreement)

    args = parser.parse_args(argv)
    try:
        args.run(args)
    except ValueError as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
