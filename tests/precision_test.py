import pytest

from keras_gan import precision


def test_bf16_cpu_flags_choose_bfloat16(monkeypatch):
    monkeypatch.delenv("KERAS_GAN_PRECISION", raising=False)
    for flag in ("avx512_bf16", "amx_bf16"):
        policy, reason = precision.choose({"sse2", "avx512f", flag})
        assert policy == "mixed_bfloat16"
        assert flag in reason


def test_cpu_without_bf16_keeps_float32(monkeypatch):
    monkeypatch.delenv("KERAS_GAN_PRECISION", raising=False)
    # avx512f alone (no BF16 dot products) emulates bfloat16: slower.
    policy, reason = precision.choose({"sse2", "avx2", "avx512f", "avx512_vnni"})
    assert policy == "float32"
    assert "no native bfloat16" in reason


def test_cpu_flags_read_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx512_bf16\n\nflags\t: other\n")
    assert precision.cpu_flags(str(cpuinfo)) == {"fpu", "sse2", "avx512_bf16"}
    assert precision.cpu_flags(str(tmp_path / "missing")) == set()


def test_environment_overrides_and_is_validated(monkeypatch):
    monkeypatch.setenv("KERAS_GAN_PRECISION", "float32")
    assert precision.choose({"avx512_bf16"}) == ("float32", "set by KERAS_GAN_PRECISION")
    monkeypatch.setenv("KERAS_GAN_PRECISION", "fp8")
    with pytest.raises(ValueError, match="KERAS_GAN_PRECISION must be"):
        precision.choose()


def test_resolve(monkeypatch):
    monkeypatch.delenv("KERAS_GAN_PRECISION", raising=False)
    assert precision.resolve("float32") == ("float32", "asked for")
    assert precision.resolve("mixed_bfloat16") == ("mixed_bfloat16", "asked for")
    assert precision.resolve("auto")[0] == precision.choose()[0]
    with pytest.raises(ValueError, match="precision must be one of"):
        precision.resolve("half")


# === oneDNN ===
_AVX2 = {"sse2", "avx", "avx2", "fma"}


def test_onednn_turned_on_where_tensorflow_leaves_it_off():
    value, reason = precision.onednn_choice(_AVX2, "x86_64", environ={})
    assert value == "1"
    assert "turned on" in reason and "TF_ENABLE_ONEDNN_OPTS=0" in reason


def test_onednn_left_to_tensorflow_elsewhere():
    for flag in ("avx512_vnni", "avx512_bf16", "avx_vnni", "amx_bf16"):
        value, reason = precision.onednn_choice(_AVX2 | {flag}, "x86_64", environ={})
        assert value is None and flag in reason
    assert precision.onednn_choice(_AVX2, "aarch64", environ={})[0] is None
    value, reason = precision.onednn_choice({"sse2", "sse4_1"}, "x86_64", environ={})
    assert value is None and "no AVX2" in reason
    # The user's setting wins.
    value, reason = precision.onednn_choice(_AVX2, "x86_64", environ={"TF_ENABLE_ONEDNN_OPTS": "0"})
    assert value is None and reason == "set by TF_ENABLE_ONEDNN_OPTS=0"


def test_import_applies_the_onednn_choice_before_tensorflow():
    """A fresh `import keras_gan` turns oneDNN on where the choice says so,
    and `onednn()` reports what TensorFlow then runs."""
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_ENABLE_ONEDNN_OPTS", "KERAS_GAN_ONEDNN_SET")}
    code = ("import json, quiet_tensorflow as q; from keras_gan import precision; "
            "print(json.dumps([precision.onednn(), "
            "q.onednn_choice(environ={})[0]]))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    (on, reason), value = json.loads(out.strip().splitlines()[-1])
    if value == "1":
        assert on is True, reason
        assert "turned on" in reason
    else:
        assert "TensorFlow's default" in reason
    # Too late once TensorFlow is imported: the report says how to get it.
    code = "import tensorflow, json; from keras_gan import precision; print(json.dumps(precision.onednn()))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    on_late, reason_late = json.loads(out.strip().splitlines()[-1])
    if value == "1":
        assert on_late is False
        assert "set TF_ENABLE_ONEDNN_OPTS=1 before importing TensorFlow" in reason_late


def test_cpu_name_read_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\ncpu family\t: 26\nmodel\t\t: 2\nmodel name\t: AMD EPYC\n"
                       "\nprocessor\t: 1\nmodel name\t: other\n")
    assert precision.cpu_name(str(cpuinfo)) == "AMD EPYC (family 26, model 2)"
    assert precision.cpu_name(str(tmp_path / "missing")) == "unknown CPU"


@pytest.mark.parametrize("model", ["stylegan", "text2image", "midinet"])
def test_families_that_train_in_float32_say_so_instead_of_claiming_bfloat16(monkeypatch, model):
    from keras_gan import families
    from keras_gan import trainer

    monkeypatch.setenv("KERAS_GAN_PRECISION", "mixed_bfloat16")  # As on a bf16 machine.
    family = families.family_for(model)
    cls = family.models[model]
    from keras_gan.trainer.build import run_options

    options = run_options(trainer.make_config(model=model), family, cls)
    assert options["precision_used"] == "float32"
    assert "trains in float32 only" in options["precision_reason"]
    with pytest.raises(trainer.RunError, match="trains in float32 only"):
        run_options(trainer.make_config(model=model, precision="mixed_bfloat16"),
                            family, cls)
    # The image families build under the policy, so they keep it.
    image = families.family_for("dcgan")
    options = run_options(trainer.make_config(model="dcgan"), image, image.models["dcgan"])
    assert options["precision_used"] == "mixed_bfloat16"
