"""`plot_comparison` writes a readable PNG for any shape of curves a verify run can produce."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("matplotlib")
np = pytest.importorskip("numpy")

import matplotlib.image  # noqa: E402

from dqn_lint.verify.plot import plot_comparison  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TITLE = "DQN001 target-aliases-online on CartPole-v1, 3 seeds"


def curves(steps: int, seeds: int, returns: float = 100.0, q: float = 5.0) -> dict:
    """A small synthetic run: returns and |Q| grow with the step, seeds spread a little."""
    rng = np.random.default_rng(steps * 10 + seeds)
    return {
        "step": [1000 * (i + 1) for i in range(steps)],
        "eval_return": [(returns * (i + 1) / steps + rng.uniform(0, 20, seeds)).tolist() for i in range(steps)],
        "q_abs": [(q * (i + 1) + rng.uniform(0, 1, seeds)).tolist() for i in range(steps)],
    }


def assert_readable_png(path) -> None:
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    image = matplotlib.image.imread(path)
    height, width = image.shape[:2]
    assert height > 100 and width > 100


def test_a_small_run_gives_a_png_that_reads_back(tmp_path):
    written = plot_comparison(tmp_path / "dqn001.png", TITLE, curves(5, 3), curves(5, 3, returns=20.0), "DQN001")
    assert written == tmp_path / "dqn001.png"
    assert_readable_png(written)
    assert [p.name for p in tmp_path.iterdir()] == ["dqn001.png"]  # no temporary file left behind


def test_the_path_may_be_a_string(tmp_path):
    written = plot_comparison(str(tmp_path / "plot.png"), TITLE, curves(3, 2), curves(3, 2), "DQN002")
    assert_readable_png(written)


def test_nan_and_inf_from_diverged_seeds_do_not_crash(tmp_path):
    twin = curves(6, 3, q=50.0)
    for i in range(3, 6):
        twin["q_abs"][i][0] = math.nan  # seed 0 diverges at the 4th evaluation
    twin["q_abs"][5][2] = math.inf
    twin["eval_return"][4][1] = -math.inf
    assert_readable_png(plot_comparison(tmp_path / "diverged.png", TITLE, curves(6, 3), twin, "DQN002"))


def test_a_run_with_no_finite_value_at_all_does_not_crash(tmp_path):
    twin = {"step": [1000, 2000], "eval_return": [[math.nan, math.nan]] * 2, "q_abs": [[math.inf, math.nan]] * 2}
    assert_readable_png(plot_comparison(tmp_path / "all_nan.png", TITLE, curves(2, 2), twin, "DQN002"))


def test_q_values_over_many_decades_and_zeros_do_not_crash(tmp_path):
    twin = curves(8, 2)
    twin["q_abs"] = [[0.0, 10.0 ** i] for i in range(8)]
    assert_readable_png(plot_comparison(tmp_path / "decades.png", TITLE, curves(8, 2), twin, "DQN004"))


def test_runs_with_different_seed_counts_and_lengths(tmp_path):
    reference, twin = curves(10, 5), curves(4, 2)
    assert_readable_png(plot_comparison(tmp_path / "uneven.png", TITLE, reference, twin, "DQN003"))


def test_a_single_evaluation_of_a_single_seed(tmp_path):
    one = {"step": [500], "eval_return": [[9.0]], "q_abs": [[0.5]]}
    assert_readable_png(plot_comparison(tmp_path / "one.png", TITLE, one, one, "DQN005"))


def test_the_parent_folder_is_created(tmp_path):
    path = tmp_path / "verify" / "plots" / "dqn001.png"
    plot_comparison(path, TITLE, curves(3, 2), curves(3, 2), "DQN001")
    assert_readable_png(path)


def test_an_existing_file_is_replaced(tmp_path):
    path = tmp_path / "dqn001.png"
    path.write_bytes(b"old")
    plot_comparison(path, TITLE, curves(3, 2), curves(3, 2), "DQN001")
    assert_readable_png(path)


@pytest.mark.parametrize("key", ["step", "eval_return", "q_abs"])
def test_a_missing_key_is_a_value_error_naming_it(tmp_path, key):
    twin = curves(3, 2)
    del twin[key]
    with pytest.raises(ValueError, match=f"twin curves lack '{key}'"):
        plot_comparison(tmp_path / "x.png", TITLE, curves(3, 2), twin, "DQN001")
    assert not (tmp_path / "x.png").exists()


def test_empty_curves_are_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="reference curves are empty"):
        plot_comparison(tmp_path / "x.png", TITLE, {"step": [], "eval_return": [], "q_abs": []},
                        curves(3, 2), "DQN001")


def test_rows_that_do_not_match_the_steps_are_a_value_error(tmp_path):
    twin = curves(3, 2)
    twin["q_abs"].pop()
    with pytest.raises(ValueError, match="'q_abs' has 2 rows for 3 steps"):
        plot_comparison(tmp_path / "x.png", TITLE, curves(3, 2), twin, "DQN001")


def test_importing_the_module_does_not_import_matplotlib():
    import subprocess
    import sys

    code = "import sys, dqn_lint.verify.plot; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# ---- redrawing from an evidence record --------------------------------------------------------------------
def _record(tmp_path, with_curves: bool = True):
    import json

    entry = {"rule": "DQN008", "name": "loss-shape-broadcast", "env_id": "CartPole-v1", "settings": {"seeds": 3}}
    if with_curves:
        entry["curves"] = {"reference": curves(5, 3), "twin": curves(5, 3, returns=20.0)}
    path = tmp_path / "ev.json"
    path.write_text(json.dumps({"tool": "dqn-lint", "version": "0", "evidence": [entry]}), encoding="utf-8")
    return path


def test_replot_redraws_each_rule_s_plot_from_the_record_alone(tmp_path, capsys):
    from dqn_lint import cli

    assert cli.main(["verify", "--replot", str(_record(tmp_path)), "--plot", str(tmp_path / "plots")]) == 0
    assert_readable_png(tmp_path / "plots" / "DQN008.png")
    assert "wrote" in capsys.readouterr().err


def test_replot_of_a_record_without_curves_is_a_one_line_error(tmp_path, capsys):
    from dqn_lint import cli

    assert cli.main(["verify", "--replot", str(_record(tmp_path, with_curves=False)), "--plot", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds no curves for DQN008" in err


def test_the_evidence_record_keeps_the_curves_of_the_runs_it_trained(tmp_path):
    import json
    from types import SimpleNamespace

    from dqn_lint.verify.command import write_json

    evidence = SimpleNamespace(rule="DQN008", to_json=lambda: {"rule": "DQN008"})
    cached = SimpleNamespace(rule="DQN009", to_json=lambda: {"rule": "DQN009"})
    pair = {"reference": curves(2, 2), "twin": curves(2, 2)}
    write_json(tmp_path / "ev.json", [evidence, cached], {"DQN008": pair})
    entries = json.loads((tmp_path / "ev.json").read_text())["evidence"]
    assert entries == [{"rule": "DQN008", "curves": pair}, {"rule": "DQN009"}]


def test_the_return_without_the_time_limit_gets_a_third_panel_when_both_runs_hold_it(tmp_path):
    reference, twin = curves(4, 2), curves(4, 2, returns=20.0)
    two_panels = matplotlib.image.imread(plot_comparison(tmp_path / "two.png", TITLE, reference, twin, "DQN003"))
    reference["return_without_limit"] = [[99.0, 99.0]] * 4
    only_reference = matplotlib.image.imread(plot_comparison(tmp_path / "one.png", TITLE, reference, twin, "DQN003"))
    twin["return_without_limit"] = [[75.0, 75.0]] * 4
    three_panels = matplotlib.image.imread(plot_comparison(tmp_path / "three.png", TITLE, reference, twin, "DQN003"))
    assert only_reference.shape == two_panels.shape
    assert three_panels.shape[1] == pytest.approx(1.5 * two_panels.shape[1], rel=0.02)
    twin["return_without_limit"] = [[75.0, 75.0]] * 3  # a row short: the same error as any other metric
    with pytest.raises(ValueError, match="'return_without_limit' has 3 rows for 4 steps"):
        plot_comparison(tmp_path / "bad.png", TITLE, reference, twin, "DQN003")
