"""The lab registry: every lab's schema matches its function, names and routes are the API's,
and a bad parameter is refused once, by the schema, naming the field."""

from __future__ import annotations

import inspect

import pytest

from nnplayground.labs.base import LabError
from nnplayground.labs.registry import all_labs

JOBS = {"optimizers_mnist", "weight_init_compare", "batch_norm", "overfitting",
        "hyperparameter_search", "toy_boundary", "universal_approximation"}
INSTANT = {"optimizer_race": ("/optimizer-race", "POST"),
           "weight_init_histograms": ("/weight-init/histograms", "POST"),
           "perceptron_gate": ("/perceptron/gate", "POST"),
           "perceptron_xor": ("/perceptron/xor", "GET"),
           "gradient_check": ("/gradient-check", "POST"),
           "nielsen_cost": ("/nielsen/cost", "POST")}


def test_names_kinds_and_routes() -> None:
    labs = all_labs()
    assert {n for n, lab in labs.items() if lab.kind == "job"} >= JOBS
    for name, (route, method) in INSTANT.items():
        assert (labs[name].kind, labs[name].route, labs[name].method) == ("instant", route, method)


@pytest.mark.parametrize("name", sorted(all_labs()))
def test_schema_fields_follow_the_function_parameters(name: str) -> None:
    lab = all_labs()[name]
    params = [p for p in inspect.signature(lab.fn).parameters if p != "hooks"]
    assert list(lab.params.model_fields) == params  # positional calls map by field order
    assert ("hooks" in inspect.signature(lab.fn).parameters) == (lab.kind == "job")
    assert lab.section


@pytest.mark.parametrize("name, params, field", [
    ("optimizers_mnist", {"batch_size": 500, "train_size": 200}, "batch_size"),
    ("weight_init_compare", {"batch_size": 500, "train_size": 200}, "batch_size"),
    ("hyperparameter_search", {"lr_exp": [-2, -6]}, "lr_exp"),
    ("hyperparameter_search", {"wd_exp": [-4, -4]}, "wd_exp"),
    ("hyperparameter_search", {"lr_exp": [-20, -2]}, "lr_exp.0"),
    ("overfitting", {"epochs": 3, "colour": "red"}, "colour"),
    ("toy_boundary", {"hidden": [8] * 7}, "hidden"),
])
def test_bad_parameters_are_refused_naming_the_field(name: str, params: dict,
                                                     field: str) -> None:
    with pytest.raises(LabError) as err:
        all_labs()[name].validate(params)
    assert err.value.field == field


def test_defaults_validate_for_every_lab() -> None:
    for name, lab in all_labs().items():
        if name != "perceptron_gate":  # the gate has no defaults: its weights are the point
            lab.validate({})
