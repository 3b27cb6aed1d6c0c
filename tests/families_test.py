"""The family registry and the new families through the generic trainer:
a run folder, resume at the exact step, and each family's own options."""

import json
import os

import pytest

from keras_gan import families
from keras_gan import trainer
from keras_gan.family import Family


def test_registry_names_every_model_once():
    names = families.model_names()
    assert {"dcgan", "wgan_gp", "pix2pix", "midinet", "text2image", "stackgan"} <= set(names)
    seen = []
    for name in families.FAMILIES:
        family = families.get(name)
        assert isinstance(family, Family) and family.name == name and family.default_dataset
        seen += list(family.models)
        flags = [o.name for o in family.options]
        assert len(flags) == len(set(flags))
    assert len(seen) == len(set(seen))
    with pytest.raises(ValueError, match="Unknown model 'nope'"):
        families.family_for("nope")



def test_every_option_a_model_takes_is_its_familys_or_every_models():
    # A name in a class's train_options that neither its family declares nor
    # TrainConfig holds would never reach the model.
    import dataclasses

    generic = {f.name for f in dataclasses.fields(trainer.TrainConfig)}
    for name in families.FAMILIES:
        family = families.get(name)
        declared = {o.name for o in family.options}
        used = set()
        for model_name, cls in family.models.items():
            takes = set(getattr(cls, "train_options", ()))
            assert takes <= declared | generic, (model_name, takes - declared - generic)
            applies = {o.name for o in family.options_for(cls)}
            assert applies <= declared, model_name
            used |= applies
        # ... and every option the family declares applies to one of its models.
        assert used == declared, (name, declared - used)


def test_each_family_declares_its_models_and_options_without_tensorflow():
    # train.py --help reads these modules alone (tests/cli_test.py checks that
    # no TensorFlow is imported); they must say what the families hold.
    for name in families.FAMILIES:
        family, declared = families.get(name), families.declared(name)
        assert tuple(family.models) == declared.MODELS, name
        assert family.options is declared.OPTIONS, name
    assert families.declared_model_names() == families.model_names()

def _run(tmp_path, epochs, **options):
    model = options.pop("model")
    config = trainer.make_config(
        model=model, out_dir=str(tmp_path / "run"), epochs=epochs, steps_per_epoch=2,
        batch_size=8, latent_dim=8, width=8, eval_every=0, export=False, num_samples=4,
        verbose=0, precision="float32", **{"final_eval_samples": 0, **options})
    return trainer.train(config)


def test_midinet_trains_and_resumes_through_the_trainer(tmp_path, monkeypatch):
    from keras_gan.midinet import data
    from keras_gan.midinet import family as midinet_family

    pieces = data.load_chorales(["bach/bwv66.6", "bach/bwv10.7", "bach/bwv101.7"],
                                cache_dir=str(tmp_path / "cache"))
    monkeypatch.setattr(midinet_family.data_lib, "load_chorales",
                        lambda cache_dir=None: list(pieces))
    first = _run(tmp_path, 1, model="midinet", dense_units=16, held_out=0.34)
    assert first.step == 2 and first.start_step == 0
    with open(tmp_path / "run" / "options.json") as f:
        options = json.load(f)
    # The family's own options are recorded, the dataset is the family's default.
    assert options["dense_units"] == 16 and options["dataset"] == "bach_chorales"
    assert sorted(os.listdir(tmp_path / "run" / "samples")) == [
        "melody_epoch_0001.mid", "melody_epoch_0001.png"]
    again = _run(tmp_path, 2, model="midinet", dense_units=16, held_out=0.34)
    assert again.start_step == 2 and again.step == 4 and again.epochs_done == 2
    with pytest.raises(trainer.RunError, match="--dense_units=32 \\(was 16\\)"):
        _run(tmp_path, 3, model="midinet", dense_units=32, held_out=0.34)


def test_text2image_trains_and_resumes_through_the_trainer(tmp_path):
    first = _run(tmp_path, 1, model="text2image", encoder_steps=4)
    assert first.step == 2
    assert os.path.exists(tmp_path / "run" / "joint_embedding.keras")
    assert os.listdir(tmp_path / "run" / "samples") == ["captions_epoch_0001.png"]
    # --final_eval_samples=0 skips scoring, as in every family.
    assert not os.path.exists(tmp_path / "run" / "metrics.json")
    again = _run(tmp_path, 2, model="text2image", encoder_steps=4, final_eval_samples=16)
    assert again.start_step == 2 and again.step == 4
    with open(tmp_path / "run" / "metrics.json") as f:
        scores = json.load(f)
    for split in ("test", "heldout"):
        assert {"colour", "size", "position", "r_precision"} <= set(scores[split]), scores
        # 16 captions hold too few other combinations for 100 candidates.
        assert 2 <= scores[split]["r_precision_candidates"] <= 16


def test_generate_names_the_command_other_families_need(tmp_path):
    import subprocess
    import sys

    from keras_gan.midinet.model import MidiNet

    model = MidiNet(latent_dim=8, width=4, dense_units=16, seed=1)
    model.compile()
    path = str(tmp_path / "melody.keras")
    model.save(path)
    done = subprocess.run(
        [sys.executable, "-m", "keras_gan.generate", f"--model={path}",
         f"--out={tmp_path / 'x.png'}"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert "holds a MidiNet; make its output with python -m keras_gan.midinet generate" in (
        done.stderr)
    assert "Traceback" not in done.stderr and not os.path.exists(tmp_path / "x.png")
