"""Every message from the page is checked: a bad one is a MessageError naming what is wrong."""

import json

import pytest

from chainrule.playground.messages import (
    MAX_MESSAGE_BYTES,
    MessageError,
    Settings,
    parse,
    settings_from,
)


def test_the_defaults_are_tensorflow_playground_s():
    s = settings_from({})
    assert (s.dataset, s.hidden, s.activations, s.learning_rate, s.batch_size) == (
        "circle",
        (4, 2),
        ("tanh", "tanh"),
        0.03,
        10,
    )
    assert s.features == ("x1", "x2") and s.train_ratio == 50 and s.noise == 0


def test_settings_apply_over_a_base_and_keep_the_features_in_a_fixed_order():
    base = settings_from({"seed": 4})
    s = settings_from({"features": ["sin_x2", "x1"], "hidden": [3, 3, 3]}, base)
    assert s.seed == 4 and s.features == ("x1", "sin_x2")
    assert s.activations == ("tanh", "tanh", "tanh")  # a layer added takes its neighbour's
    assert settings_from({"problem": "regression"}).dataset == "plane"
    assert settings_from(s.as_dict()) == s


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"hidden": [9]}, "hidden[0] must be a whole number from 1 to 8; got 9"),
        ({"hidden": [1] * 7}, "at most 6"),
        ({"hidden": "4,2"}, "hidden must be a list"),
        ({"points": 10**7}, "points must be a whole number from 20 to 2000"),
        ({"batch_size": 2.5}, "batch_size"),
        ({"noise": True}, "noise"),
        ({"learning_rate": 0}, "learning_rate must be a number above 0"),
        ({"learning_rate": "0.1"}, "learning_rate"),
        ({"dropout": 0.95}, "dropout"),
        ({"activations": ["tanh", "swish"]}, "activations[1] must be one of"),
        ({"hidden": [2], "activations": ["tanh", "tanh"]}, "2 names for 1 hidden layer"),
        ({"features": []}, "at least one input feature"),
        ({"features": ["x1", "x1"]}, "each once"),
        ({"features": ["../../etc/passwd"]}, "features[0] must be one of"),
        ({"dataset": "plane"}, "dataset (for classification)"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"seed": -1}, "seed"),
        ({"file": "/etc/passwd"}, "unknown setting(s) file"),
    ],
)
def test_each_bad_setting_is_refused_by_name(given, named):
    with pytest.raises(MessageError) as refused:
        settings_from(given)
    assert named in str(refused.value)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "a JSON object"),
        ('{"type": "rm -rf"}', "unknown message type 'rm -rf'"),
        ('{"kind": "play"}', "unknown message type None"),
        ('{"type": "play", "now": 1}', "unknown field(s) now"),
        ('{"type": "provenance", "l": 1, "j": 0}', "missing field(s) k"),
        ('{"type": "provenance", "l": 1, "j": -1, "k": 0}', "provenance.j"),
        ('{"type": "drawn", "id": NaN}', "NaN"),
        ('{"type": "bug", "id": "1"}', "bug.id"),
        ('{"type": "configure", "settings": [1]}', "an object of settings"),
        (b'{"type": "play"}', "not binary"),
        ("[" * 100_000, f"longer than {MAX_MESSAGE_BYTES}"),
        ("[" * 5000 + "]" * 5000, "longer than"),
        ("[" * 4000, "not valid JSON"),
    ],
)
def test_each_malformed_message_is_refused_with_the_reason(text, named):
    with pytest.raises(MessageError) as refused:
        parse(text)
    assert named in str(refused.value)


def test_a_good_message_comes_back_as_its_object():
    message = {"type": "provenance", "l": 2, "j": 0, "k": 1}
    assert parse(json.dumps(message)) == message
    assert parse('{"type": "bug", "id": null}') == {"type": "bug", "id": None}
    assert Settings().as_dict()["hidden"] == [4, 2]
