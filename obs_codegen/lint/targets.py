"""Lint rules of the `targets:` section: what the Kubernetes API server and the rulers would refuse.

The spec schema fixes the section's shape; these rules check what it cannot say well: names and
labels by Kubernetes' own rules (DNS-1123 names, qualified label keys, label values, the 63 and
253-character limits), generated object names that would collide, group names that would
repeat within a shared Mimir/Cortex namespace, and objects too large for the place they must fit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..diagnostics import Diagnostic
from ..spec.loader import Source
from ..spec.model import Model
from .registry import rule

DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
NAMESPACED = ("prometheus_operator", "grafana_operator", "grafana_sidecar")


def label_key_problem(key: str) -> str | None:
    """Why `key` is not a Kubernetes label/annotation key (apimachinery IsQualifiedName), or None."""
    prefix, slash, name = key.rpartition("/")
    if slash and (len(prefix) > 253 or not DNS1123_SUBDOMAIN.fullmatch(prefix)):
        return "its prefix (before '/') must be a DNS-1123 subdomain of at most 253 characters"
    if len(name) > 63 or not QUALIFIED_NAME.fullmatch(name):
        return "its name must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
    return None


def label_value_problem(value: str) -> str | None:
    if value and (len(value) > 63 or not QUALIFIED_NAME.fullmatch(value)):
        return "a label value is at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
    return None


@rule("target-kube-name", "Kubernetes namespaces are DNS-1123 labels (<= 63 chars); generated object names do not collide.")
def _names(model: Model, src: Source) -> Iterator[Diagnostic]:
    from ..backends.targets import object_name

    for key in NAMESPACED:
        target = getattr(model.targets, key)
        if target is not None and (len(target.namespace) > 63 or not DNS1123_LABEL.fullmatch(target.namespace)):
            yield src.diag(("targets", key, "namespace"), "target-kube-name",
                           f"namespace '{target.namespace}' is not a DNS-1123 label (lowercase letters, digits and '-', "
                           "starting and ending with a letter or digit, at most 63 characters)")
    if not any(getattr(model.targets, key) is not None for key in NAMESPACED):
        return
    project = model.project.name
    seen = {object_name(project, "folder"): "the GrafanaFolder", object_name(project, "slo-overview"): "the SLO overview"}
    for svc in model.services:
        name = object_name(project, svc.name)
        other = seen.setdefault(name, f"service '{svc.name}'")
        if other != f"service '{svc.name}'":
            yield src.diag(("services", svc.name), "target-kube-name",
                           f"service '{svc.name}' gets the Kubernetes object name '{name}', already used by {other}",
                           key=True)


@rule("target-kube-label", "Labels, selector labels and the sidecar's folder annotation key are valid Kubernetes labels.")
def _labels(model: Model, src: Source) -> Iterator[Diagnostic]:
    t = model.targets
    maps = [("prometheus_operator", "labels", t.prometheus_operator.labels if t.prometheus_operator else ()),
            ("grafana_operator", "labels", t.grafana_operator.labels if t.grafana_operator else ()),
            ("grafana_operator", "instance_selector", t.grafana_operator.instance_selector if t.grafana_operator else ()),
            ("grafana_sidecar", "labels", t.grafana_sidecar.labels if t.grafana_sidecar else ())]
    for target, field, labels in maps:
        for key, value in labels:
            if (why := label_key_problem(key)) is not None:
                yield src.diag(("targets", target, field, key), "target-kube-label",
                               f"'{key}' is not a Kubernetes label key: {why}", key=True)
            if (why := label_value_problem(value)) is not None:
                yield src.diag(("targets", target, field, key), "target-kube-label",
                               f"'{value}' is not a Kubernetes label value: {why}")
    if t.grafana_sidecar is not None and (why := label_key_problem(t.grafana_sidecar.folder_annotation.lower())):
        yield src.diag(("targets", "grafana_sidecar", "folder_annotation"), "target-kube-label",
                       f"'{t.grafana_sidecar.folder_annotation}' is not a Kubernetes annotation key: {why}")


@rule("target-ruler-group-collision", "Rule group names are unique within each Mimir/Cortex namespace.", renders=True)
def _group_collision(model: Model, src: Source) -> Iterator[Diagnostic]:
    if not model.targets.rulers:
        return
    from ..backends.prometheus import build

    groups = build(model)
    for ruler in model.targets.rulers:
        owner: dict[tuple[str, str], str] = {}
        for service, service_groups in groups.items():
            namespace = ruler.namespace(model.project.name, service)
            for group in service_groups:
                other = owner.setdefault((namespace, group.name), service)
                if other != service:
                    yield src.diag(("targets", ruler.flavour, "namespaces", service), "target-ruler-group-collision",
                                   f"{ruler.flavour} namespace '{namespace}' would hold group '{group.name}' twice "
                                   f"(from services '{other}' and '{service}'); map one of them to another namespace",
                                   key=True)


@rule("target-object-size", "Kubernetes objects fit 262,144 bytes of annotations (`kubectl apply`) and 1 MiB of "
                            "ConfigMap data.", renders=True)
def _object_size(model: Model, src: Source) -> Iterator[Diagnostic]:
    from ..backends.targets.sizes import oversized

    for target, name, problem in oversized(model):
        yield src.diag(("targets", target), "target-object-size", f"{name}: {problem}", key=True)
