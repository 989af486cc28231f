/**
 * The JSON shape of Grafana's published `Dashboard` type (npm @grafana/schema).
 *
 * TypeScript string enums (ThresholdsMode, FieldColorModeId, MappingType, ...)
 * reject plain strings such as "absolute", and JSON has no enums, so `Json<T>`
 * maps every string enum to the union of its values and recurses through
 * objects and arrays. Everything else is kept: numbers stay numbers, optional
 * stays optional, and object literals still get excess-property checks, so a
 * wrongly typed field (gridPos.w as a string) or a legacy key (span) fails tsc.
 *
 * The test suite writes one `<name>.ts` wrapper per generated dashboard next to
 * a copy of this file and runs `tsc --noEmit --strict` on them.
 */
import type { AnnotationQuery, Dashboard } from "@grafana/schema";

export type Json<T> = T extends string
  ? `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends ReadonlyArray<infer U>
      ? Array<Json<U>>
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;

/**
 * `AnnotationQuery` leaves the query itself to the datasource (Grafana's schema keeps such fields
 * open); these are the fields Grafana's Prometheus datasource saves for an annotation query.
 */
interface PrometheusAnnotationQuery extends AnnotationQuery {
  expr: string;
  step?: string;
  tagKeys?: string;
  textFormat?: string;
  titleFormat?: string;
  useValueForTime?: boolean;
}

export type DashboardJson = Json<Omit<Dashboard, "annotations"> & {
  annotations?: { list?: Array<AnnotationQuery | PrometheusAnnotationQuery> };
}>;
