/**
 * The JSON shape of one panel's `options` and `fieldConfig`, typed by its panel plugin's own
 * schema (npm @grafana/schema, `raw/composable/<panel>/panelcfg/x/*_types.gen`).
 *
 * @grafana/schema's `Dashboard` types a panel's `options` as `Record<string, unknown>` and
 * `fieldConfig.defaults.custom` likewise, so the dashboard-level check cannot see a missing
 * `legend.showLegend` or `wideLayout`. Here `options` is the plugin's `Options` and `custom` its
 * `FieldConfig`, through `Json<T>` (string enums as their values); required stays required and
 * object literals get excess-property checks, so a missing or unknown option fails tsc.
 *
 * The test suite writes one `<dashboard>.ts` file with a `PanelJson<...>` constant per panel.
 */
import type { FieldConfig, FieldConfigSource } from "@grafana/schema";
import type { Json } from "./dashboard-json";

export type PanelJson<Options, Custom> = Json<{
  options: Options;
  fieldConfig: Omit<FieldConfigSource, "defaults"> & {
    defaults: Omit<FieldConfig, "custom"> & { custom?: Custom };
  };
}>;

/** A panel kind without field-config options of its own (stat): `custom` must stay absent. */
export type NoCustom = Record<string, never>;
