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
