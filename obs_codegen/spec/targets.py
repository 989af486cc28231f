"""The `targets:` section: which deploy formats besides the plain files are generated, with their settings.

One module holds the section's JSON Schema fragment (`SCHEMA`, merged into `schema.SPEC_SCHEMA`),
its resolved model (`Targets`, a field of `Model`) and the resolver (`resolve_targets`), so the
section is one self-contained part of the spec language. With no `targets:` section every target is
off (`Targets()`), and the generated files are exactly those of a spec without the section.

Kubernetes naming rules the schema cannot say well (DNS-1123 names, label keys and values, the
63/253-character limits) are lint rules in `lint/targets.py`, with their own ids and messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # model.py imports this module for `Model.targets`
    from .model import Pos

Encoding = Literal["auto", "json", "gzip"]
Strategy = Literal["abort", "warn"]

# --- JSON Schema fragment ---------------------------------------------------------------------------

def _obj(props: dict[str, Any], required: tuple[str, ...] = (), description: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": props,
                           "description": description}
    if required:
        out["required"] = list(required)
    return out


def _str(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, "minLength": 1, **extra}


def _labels(description: str) -> dict[str, Any]:
    return {"type": "object", "description": description, "additionalProperties": {"type": "string"}}


NAMESPACE = _str("Kubernetes namespace of the generated objects (a DNS-1123 label, rule target-kube-name).")
LABELS = _labels("Labels put on every generated object, e.g. the ones a `ruleSelector` or the sidecar's "
                 "`label` matches (valid Kubernetes label keys and values, rule target-kube-label).")
# Mimir/Cortex namespaces become file names and URL path segments: a conservative character set.
RULER_NAMESPACE = {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", "maxLength": 63}
# Mimir's tenant ID characters (docs: "About tenant IDs"), at most 150 of them; "." and ".." are not allowed.
TENANT = _str("Tenant ID the rules are loaded for (`mimirtool --id` / `X-Scope-OrgID`).",
              pattern=r"^(?!\.{1,2}$)[A-Za-z0-9!._*'()-]+$", maxLength=150)
RULER = _obj(
    {
        "tenant": TENANT,
        "namespaces": {
            "type": "object", "additionalProperties": RULER_NAMESPACE,
            "description": "Service name to ruler namespace (default `<project>-<service>`); services "
                           "sharing a namespace share one file, whose group names must stay unique.",
        },
    },
    description="Rule files in the layout `mimirtool rules load` / `cortextool rules load` read: "
                "one file per namespace with a `namespace:` key and the groups unchanged.",
)

SCHEMA: dict[str, Any] = _obj(
    {
        "prometheus_operator": _obj(
            {"namespace": NAMESPACE, "labels": LABELS},
            ("namespace",),
            "One `PrometheusRule` (monitoring.coreos.com/v1) per service, under kubernetes/prometheus-operator/.",
        ),
        "mimir": RULER,
        "cortex": RULER,
        "thanos": _obj(
            {"partial_response_strategy": {"enum": ["abort", "warn"], "description":
                                           "Thanos Ruler's per-group `partial_response_strategy` (default abort)."}},
            description="Rule files for Thanos Ruler under thanos/rules/: the groups with `partial_response_strategy`.",
        ),
        "grafana_operator": _obj(
            {
                "namespace": NAMESPACE,
                "labels": LABELS,
                "instance_selector": _labels("`matchLabels` of the Grafana instances the objects are imported into."),
                "folder": {"type": "boolean", "description": "Also generate the `GrafanaFolder` (default true); "
                                                             "else the dashboards name the folder by uid."},
                "allow_cross_namespace_import": {"type": "boolean", "description":
                                                 "Let the operator match Grafana instances in other namespaces."},
                "encoding": {"enum": ["auto", "json", "gzip"], "description":
                             "`spec.json` or `spec.gzipJson`; auto (default) gzips a dashboard only when the "
                             "object would not fit the 262,144-byte annotation `kubectl apply` writes."},
            },
            ("namespace", "instance_selector"),
            "`GrafanaDashboard` and `GrafanaFolder` objects (grafana.integreatly.org/v1beta1).",
        ),
        "grafana_sidecar": _obj(
            {
                "namespace": NAMESPACE,
                "labels": _labels("Labels of every ConfigMap (default `grafana_dashboard: \"1\"`, the sidecar's "
                                  "default `label`/`labelValue`)."),
                "folder_annotation": _str("Annotation key the sidecar reads the folder from (its "
                                          "`FOLDER_ANNOTATION`, default k8s-sidecar-target-directory)."),
                "folder": _str("Folder the dashboards go into (default: the project's dashboards folder)."),
            },
            ("namespace",),
            "One ConfigMap per dashboard for the Grafana dashboard sidecar (k8s-sidecar).",
        ),
        "grafana_api": _obj(
            {"folder_uid": _str("Folder uid of the payloads (default: the generated folder's uid).",
                                pattern=r"^[A-Za-z0-9_-]+$", maxLength=40)},
            description="`POST /api/dashboards/db` payloads under grafana/api/, plus the folder's `POST /api/folders`.",
        ),
    },
    description="Deploy formats generated besides the plain rule files and dashboards (none by default).",
)


# --- model ----------------------------------------------------------------------------------

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PrometheusOperator:
    namespace: str
    labels: Labels
    pos: Pos


@dataclass(frozen=True)
class Ruler:
    """Mimir or Cortex: `namespaces` maps every service that has rules to its ruler namespace."""

    flavour: Literal["mimir", "cortex"]
    tenant: str | None
    namespaces: tuple[tuple[str, str], ...]
    pos: Pos

    def namespace(self, project: str, service: str) -> str:
        return dict(self.namespaces).get(service, f"{project}-{service}")


@dataclass(frozen=True)
class Thanos:
    partial_response_strategy: Strategy
    pos: Pos


@dataclass(frozen=True)
class GrafanaOperator:
    namespace: str
    labels: Labels
    instance_selector: Labels
    folder: bool
    allow_cross_namespace_import: bool | None
    encoding: Encoding
    pos: Pos


@dataclass(frozen=True)
class GrafanaSidecar:
    namespace: str
    labels: Labels
    folder_annotation: str
    folder: str
    pos: Pos


@dataclass(frozen=True)
class GrafanaApi:
    folder_uid: str
    pos: Pos


@dataclass(frozen=True)
class Targets:
    """Every target is None (off) unless the spec's `targets:` section configures it."""

    prometheus_operator: PrometheusOperator | None = None
    mimir: Ruler | None = None
    cortex: Ruler | None = None
    thanos: Thanos | None = None
    grafana_operator: GrafanaOperator | None = None
    grafana_sidecar: GrafanaSidecar | None = None
    grafana_api: GrafanaApi | None = None

    @property
    def rulers(self) -> tuple[Ruler, ...]:
        return tuple(r for r in (self.mimir, self.cortex) if r is not None)


# --- resolution -------------------------------------------------------------------------------

def _str_map(raw: Any) -> Labels:
    if not isinstance(raw, dict):
        return ()
    return tuple((str(k), v) for k, v in raw.items() if isinstance(v, str))


def resolve_targets(raw: Any, pos: Callable[..., Pos], project: str, folder: str, folder_uid: str) -> Targets:
    """The `Targets` of the raw `targets:` mapping (shape errors were already reported by the schema)."""
    if not isinstance(raw, dict):
        return Targets()

    def sect(key: str) -> dict[str, Any] | None:
        v = raw.get(key)
        return v if isinstance(v, dict) else None

    def s(d: dict[str, Any], key: str, default: str) -> str:
        v = d.get(key)
        return v if isinstance(v, str) else default

    out: dict[str, Any] = {}
    if (d := sect("prometheus_operator")) is not None:
        out["prometheus_operator"] = PrometheusOperator(s(d, "namespace", "default"), _str_map(d.get("labels")),
                                                        pos("targets", "prometheus_operator"))
    for flavour in ("mimir", "cortex"):
        if (d := sect(flavour)) is not None:
            tenant = d.get("tenant")
            out[flavour] = Ruler(flavour, tenant if isinstance(tenant, str) else None,
                                 _str_map(d.get("namespaces")), pos("targets", flavour))
    if (d := sect("thanos")) is not None:
        strategy = d.get("partial_response_strategy")
        out["thanos"] = Thanos(strategy if strategy in ("abort", "warn") else "abort", pos("targets", "thanos"))
    if (d := sect("grafana_operator")) is not None:
        cross = d.get("allow_cross_namespace_import")
        encoding = d.get("encoding")
        out["grafana_operator"] = GrafanaOperator(
            namespace=s(d, "namespace", "default"), labels=_str_map(d.get("labels")),
            instance_selector=_str_map(d.get("instance_selector")),
            folder=d.get("folder") is not False,
            allow_cross_namespace_import=cross if isinstance(cross, bool) else None,
            encoding=encoding if encoding in ("auto", "json", "gzip") else "auto",
            pos=pos("targets", "grafana_operator"))
    if (d := sect("grafana_sidecar")) is not None:
        labels = _str_map(d.get("labels")) if isinstance(d.get("labels"), dict) else (("grafana_dashboard", "1"),)
        out["grafana_sidecar"] = GrafanaSidecar(s(d, "namespace", "default"), labels,
                                                s(d, "folder_annotation", "k8s-sidecar-target-directory"), s(d, "folder", folder),
                                                pos("targets", "grafana_sidecar"))
    if (d := sect("grafana_api")) is not None:
        out["grafana_api"] = GrafanaApi(s(d, "folder_uid", folder_uid), pos("targets", "grafana_api"))
    return Targets(**out)
