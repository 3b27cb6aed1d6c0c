"""`python -m keras_gan.text2image generate --text "..." --model RUN --out x.png`
and `python -m keras_gan.text2image export --model RUN --export_dir DIR`."""

from absl import app
from absl import flags

_TEXT = flags.DEFINE_multi_string("text", None, "Caption(s); one row per --text.")
_MODEL = flags.DEFINE_string("model", None, "A .keras file or a train.py run directory.")
_OUT = flags.DEFINE_string("out", "text2image.png", "Output PNG (generate).")
_NUM = flags.DEFINE_integer("num", 1, "Images per caption.")
_SEED = flags.DEFINE_integer("seed", 0, "Seed of z.")
_EXPORT_DIR = flags.DEFINE_string("export_dir", None, "Output directory (export).")


def main(argv):
    commands = argv[1:]
    if commands not in (["generate"], ["export"]):
        raise app.UsageError("Give one command: generate or export.")
    if not _MODEL.value:
        raise app.UsageError("--model is required: a .keras file or a run directory.")
    if commands == ["generate"]:
        from keras_gan.text2image.generate import write_text_png

        if not _TEXT.value:
            raise app.UsageError('--text is required, e.g. --text "a large blue bag in the center".')
        try:
            path = write_text_png(_MODEL.value, _TEXT.value, _OUT.value, _NUM.value, _SEED.value)
        except ValueError as e:
            raise app.UsageError(str(e)) from None
        print(path)
    else:
        from keras_gan.text2image import export as export_lib
        from keras_gan.text2image.generate import load_text_model

        if not _EXPORT_DIR.value:
            raise app.UsageError("--export_dir is required for export.")
        model = load_text_model(_MODEL.value)
        info = export_lib.export(model, _EXPORT_DIR.value, overwrite=True)
        print(export_lib.check_parity(model, info["files"]))
        for key, path in info["files"].items():
            print(f"{key}: {path}")


if __name__ == "__main__":
    app.run(main)
