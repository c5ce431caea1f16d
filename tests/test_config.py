from pathlib import Path

import pytest

from reportgen.config import (
    Config,
    InputConfig,
    find_config_file,
    option_specs,
    overrides_from_api,
    read_config_file,
    resolve_config,
)
from reportgen.errors import ConfigError


def test_every_option_has_help_and_a_unique_flag():
    specs = option_specs()
    flags = [s.flag for s in specs]
    assert len(flags) == len(set(flags))
    assert all(s.help and not s.help.endswith(".") for s in specs)


def test_defaults_need_vectors():
    with pytest.raises(ConfigError, match="no vectors given"):
        resolve_config()


def test_file_paths_are_relative_to_the_file(tmp_path: Path):
    config_dir = tmp_path / "conf"
    config_dir.mkdir()
    path = config_dir / "reportgen.toml"
    path.write_text('seed = 7\n[input]\nvectors = "data/v.npy"\nlabel_column = "y"\n')
    config = resolve_config(read_config_file(path), path)
    assert config.seed == 7
    assert config.input.vectors == config_dir / "data" / "v.npy"
    assert config.input.label_column == "y"


def test_flags_override_the_file(tmp_path: Path):
    path = tmp_path / "reportgen.toml"
    path.write_text('seed = 7\n[input]\ndemo = "digits"\ndrop_invalid = true\n')
    config = resolve_config(
        read_config_file(path), path, {(None, "seed"): 3, ("input", "drop_invalid"): False}
    )
    assert config.seed == 3
    assert config.input.drop_invalid is False
    assert config.input.demo == "digits"


def test_unknown_keys_are_all_reported_with_suggestions(tmp_path: Path):
    path = tmp_path / "reportgen.toml"
    path.write_text('sed = 1\n[input]\nlabel_colum = "y"\ndemo = "digits"\n[inptu]\nx = 1\n')
    with pytest.raises(ConfigError) as caught:
        resolve_config(read_config_file(path), path)
    problems = caught.value.problems
    assert len(problems) == 3
    assert any("'sed'" in p and "did you mean 'seed'" in p and str(path) in p for p in problems)
    assert any("'label_colum'" in p and "did you mean 'label_column'" in p for p in problems)
    assert any("'inptu'" in p and "did you mean 'input'" in p for p in problems)


def test_a_section_key_at_top_level_names_its_section(tmp_path: Path):
    path = tmp_path / "reportgen.toml"
    path.write_text('label_column = "y"\n[input]\ndemo = "digits"\n')
    with pytest.raises(ConfigError, match=r"did you mean 'label_column' in \[input\]"):
        resolve_config(read_config_file(path), path)


def test_wrong_types_and_choices(tmp_path: Path):
    path = tmp_path / "reportgen.toml"
    path.write_text('seed = "one"\nforce = 1\n[input]\ndemo = "mnist"\n')
    with pytest.raises(ConfigError) as caught:
        resolve_config(read_config_file(path), path)
    text = str(caught.value)
    assert "seed must be a number, got 'one'" in text
    assert "force must be true or false, got 1" in text
    assert "demo must be one of digits, sentences; got 'mnist'" in text


def test_invalid_toml_names_the_file(tmp_path: Path):
    path = tmp_path / "reportgen.toml"
    path.write_text("seed = \n")
    with pytest.raises(ConfigError, match=r"reportgen\.toml: invalid TOML"):
        read_config_file(path)


def test_a_renamed_option_names_its_new_name(tmp_path: Path):
    path = tmp_path / "reportgen.toml"
    path.write_text("[input]\ndemo = 'digits'\n[clusters]\nminibatch_above = 1000\n")
    renamed = r"'minibatch_above' in \[clusters\] \(renamed: use 'blocked_above'"
    with pytest.raises(ConfigError, match=renamed):
        resolve_config(read_config_file(path), path)


def test_conflicting_inputs_are_reported_together():
    with pytest.raises(ConfigError) as caught:
        resolve_config(
            overrides={
                ("input", "demo"): "digits",
                ("input", "vectors"): Path("v.npy"),
                ("input", "images"): Path("imgs"),
                ("input", "image_column"): "path",
            }
        )
    assert caught.value.problems == [
        "give either a vectors file or --demo, not both",
        "give either --image-column or --images, not both",
        "input.image_column cannot be used with --demo",
        "input.images cannot be used with --demo",
    ]


def test_config_file_discovery(tmp_path: Path):
    assert find_config_file(tmp_path) is None
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert find_config_file(tmp_path) is None
    (tmp_path / "pyproject.toml").write_text("[tool.reportgen]\nseed = 5\n")
    found = find_config_file(tmp_path)
    assert found is not None and found[0].name == "pyproject.toml" and found[1] == {"seed": 5}
    (tmp_path / "reportgen.toml").write_text("seed = 9\n")
    assert find_config_file(tmp_path)[1] == {"seed": 9}


def test_api_keyword_forms_are_equivalent():
    by_section = overrides_from_api({"input": {"label_column": "y"}})
    by_dunder = overrides_from_api({"input__label_column": "y"})
    by_flag = overrides_from_api({"label_column": "y"})
    assert by_section == by_dunder == by_flag == {("input", "label_column"): "y"}


def test_api_unknown_keyword_is_reported():
    with pytest.raises(ConfigError, match=r"unknown option lable_column.*label_column"):
        overrides_from_api({"lable_column": "y"})


def test_config_is_frozen():
    config = Config(input=InputConfig(demo="digits"))
    with pytest.raises(AttributeError):
        config.seed = 3  # type: ignore[misc]


def test_provenance_dict_leaves_out_where_the_output_goes():
    config = Config(out=Path("/somewhere/site"), input=InputConfig(demo="digits"))
    plain = config.to_dict(for_provenance=True)
    assert "out" not in plain and "force" not in plain
    assert plain["input"]["demo"] == "digits"


def test_numbers_below_their_minimum_are_refused():
    with pytest.raises(ConfigError) as caught:
        resolve_config(
            overrides={
                ("input", "demo"): "digits",
                ("neighbors", "k"): 0,
                ("umap", "min_dist"): -0.5,
                ("tsne", "perplexity"): float("nan"),
            }
        )
    assert caught.value.problems == [
        "command line: --neighbors-k must be >= 1, got 0",
        "command line: --umap-min-dist must be between 0 and 1, got -0.5",
        "command line: --tsne-perplexity must be a finite number, got nan",
    ]


# Regression: --umap-min-dist 2.0 passed the config and failed only in compute_umap, after
# the kNN graph and PCA had been computed.
@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        (("umap", "min_dist"), 2.0, "--umap-min-dist must be between 0 and 1, got 2.0"),
        (("tsne", "perplexity"), 0.2, "--tsne-perplexity must be >= 1/3, got 0.2"),
        (("similarity", "sample_size"), 5000, "--similarity-sample-size must be between 1 and"),
        (("seed",), -1, "--seed must be between 0 and 2**32 - 1, got -1"),
        (("clusters", "silhouette_sample"), 3, "--clusters-silhouette-sample must be >= 4"),
        (("clusters", "choose_sample"), 3, "--clusters-choose-sample must be >= 4"),
    ],
)
def test_a_parameter_the_computation_refuses_is_refused_by_the_config(option, value, message):
    key = (None, option[0]) if len(option) == 1 else option
    with pytest.raises(ConfigError) as caught:
        resolve_config(overrides={("input", "demo"): "digits", key: value})
    assert any(message in problem for problem in caught.value.problems), caught.value.problems


def test_the_config_and_the_compute_functions_share_one_constraint_table():
    from reportgen.analysis.projections.tsne import TSNE_PARAMETERS
    from reportgen.analysis.projections.umap import UMAP_PARAMETERS

    specs = {(s.section, s.key): s for s in option_specs()}
    assert specs[("umap", "min_dist")].constraint is UMAP_PARAMETERS["min_dist"]
    assert specs[("umap", "n_neighbors")].constraint is UMAP_PARAMETERS["n_neighbors"]
    assert specs[("tsne", "perplexity")].constraint is TSNE_PARAMETERS["perplexity"]


def test_custom_projection_needs_its_column_and_both_ends():
    with pytest.raises(ConfigError) as caught:
        resolve_config(
            overrides={("input", "demo"): "digits", ("projections", "custom_left"): "^a"}
        )
    assert caught.value.problems == [
        "the custom projection needs projections.custom_column",
        "the custom projection needs both custom_left and custom_right",
    ]


def test_a_flag_named_like_a_section_takes_a_plain_value():
    assert overrides_from_api({"umap": False}) == {("projections", "umap"): False}
    assert overrides_from_api({"umap": {"min_dist": 0.5}}) == {("umap", "min_dist"): 0.5}
