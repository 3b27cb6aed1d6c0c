"""bench/quality.py, the script the README's quality tables come from: its
recipes are typed as train.py's options, and each JSON row says how to
reproduce it."""

import json

import pytest


def test_a_recipe_row_writes_its_options_scores_and_strip(tiny_fashion_mnist, tmp_path,
                                                          run_script):
    rows_json, strips = tmp_path / "rows.json", tmp_path / "strips.png"
    recipe = (f"tiny_r1:model=dcgan;dataset={tiny_fashion_mnist};width=8;latent_dim=8;"
              "batch_size=16;epochs=1;steps_per_epoch=3;r1_weight=0.5;health=false;seed=3")
    done = run_script("bench/quality.py", "--seconds=0", "--models=", "--samples=256",
                      "--strip=4", f"--out_dir={tmp_path / 'runs'}", f"--json={rows_json}",
                      f"--figure={strips}", f"--recipe={recipe}")
    assert done.returncode == 0, done.stderr[-3000:]
    (row,) = json.loads(rows_json.read_text())
    assert row["name"] == "tiny_r1"
    assert row["steps"] == 3
    # Typed as train.py types them: ints, floats and bools, not strings.
    assert row["options"] == {"model": "dcgan", "dataset": tiny_fashion_mnist, "width": 8,
                              "latent_dim": 8, "batch_size": 16, "epochs": 1,
                              "steps_per_epoch": 3, "r1_weight": 0.5, "health": False, "seed": 3}
    assert row["fid"] > 0 and 0 <= row["min_class_share"] <= 1
    assert strips.stat().st_size > 0
    assert "| tiny_r1 | 3 |" in done.stdout


@pytest.mark.parametrize("recipe, named", [
    ("bad:model=dcgan;no_such_option=1", "'no_such_option=1'"),
    ("bad:model=dcgan;n_critic", "'n_critic'"),
])
def test_a_recipe_with_an_unknown_or_valueless_option_is_refused_in_one_line(recipe, named,
                                                                            run_script):
    done = run_script("bench/quality.py", "--seconds=0", "--models=", f"--recipe={recipe}",
                      timeout=120)
    assert done.returncode != 0
    assert named in done.stderr and "is not OPTION=VALUE of an option of --model=dcgan" in done.stderr
    assert "Traceback" not in done.stderr
