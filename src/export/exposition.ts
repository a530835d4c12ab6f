// Prometheus exposition: the text format 0.0.4 and OpenMetrics 1.0.0, written from plain family values.
//
// Why not prom-client (evaluated, v15.1.3): its Histogram only takes observations one at a time
// (`observe(value)` adds 1 to one bucket and `value` to the sum), with no way to set cumulative bucket
// counts that were aggregated elsewhere (ours come from the kernel, millions of events per interval); its
// Counter only goes up by `inc()` (a kernel counter that resets, e.g. a restarted container's cgroup, cannot
// be set); it keeps every series in its own registry (a second store beside ours, whose series must be
// removed by hand when a container goes); and the output format is a property of the registry, not of the
// request, so serving both formats by `Accept` needs two registries. What remains of it that we need is the
// text writer, which is what this file is: ~200 lines, checked with `promtool check metrics` and by a real
// Prometheus scraping it (test/integration/prometheus-exposition.test.ts).
//
// Input is plain data (family name, type, help, unit, samples with label maps): the metric catalogue feeds it.
// Counter family names end in `_total` (the 0.0.4 name); OpenMetrics drops the suffix from the family name.
// Info families are named `..._info`: a gauge of value 1 in 0.0.4, type `info` in OpenMetrics.

export type Labels = Readonly<Record<string, string>>;

export interface ScalarSample {
  labels: Labels;
  value: number;
}

export interface HistogramSample {
  labels: Labels;
  /** Cumulative counts at each bound of the family's `bounds` (same length), non-decreasing. */
  buckets: ArrayLike<number>;
  /** Total number of observations (the +Inf bucket). */
  count: number;
  /** Sum of the observed values, in the family's unit. */
  sum: number;
}

interface FamilyBase {
  /** Full name as in the 0.0.4 format: counters end in `_total`, info families in `_info`. */
  name: string;
  help: string;
  /** Base unit ("seconds", "bytes"): the name (without `_total`) must end in `_<unit>`. */
  unit?: string;
}

export interface ScalarFamily extends FamilyBase {
  type: 'counter' | 'gauge' | 'info';
  samples: readonly ScalarSample[];
}

export interface HistogramFamily extends FamilyBase {
  type: 'histogram';
  /** Finite upper bounds (`le`), ascending, in the family's unit; +Inf is added by the writer. */
  bounds: readonly number[];
  samples: readonly HistogramSample[];
}

export type Family = ScalarFamily | HistogramFamily;

export type ExpositionFormat = 'text' | 'openmetrics';

export const CONTENT_TYPES: Record<ExpositionFormat, string> = {
  text: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Label names already found valid (every scrape checks each sample's: the same few names, thousands of times). */
const VALID_LABELS = new Set<string>();

/**
 * The format for a request's Accept header: OpenMetrics 1.0.0 when the client asks for
 * `application/openmetrics-text` (version 1.0.0 or none) with a higher q than text/plain, else text 0.0.4.
 */
export function negotiate(accept: string | undefined): ExpositionFormat {
  if (!accept) return 'text';
  let om = -1;
  let text = -1;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    let q = 1;
    let version: string | null = null;
    for (const p of params) {
      const [k, v] = p.split('=').map((s) => s.trim());
      if (k === 'q') q = Number(v);
      else if (k === 'version') version = v ?? null;
    }
    if (!Number.isFinite(q)) continue;
    const t = type?.toLowerCase();
    if (t === 'application/openmetrics-text' && (version === null || version === '1.0.0')) om = Math.max(om, q);
    else if (t === 'text/plain' || t === '*/*' || t === 'text/*') text = Math.max(text, q);
  }
  return om > 0 && om >= text ? 'openmetrics' : 'text';
}

/**
 * A float as Go's strconv.FormatFloat(f, 'g', -1, 64) writes it (the rendering OpenMetrics asks for in `le`):
 * shortest round-trip digits, exponent form when the decimal exponent is < -4 or >= 6 (Go decides with
 * precision 6 when printing the shortest form), with at least two exponent digits: 1.023e-06, 0.0001, 100000.
 */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mant, expText] = v.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp);
    return `${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  let s: string;
  if (exp < 0) s = `0.${'0'.repeat(-exp - 1)}${digits}`;
  else if (digits.length <= exp + 1) s = digits + '0'.repeat(exp + 1 - digits.length);
  else s = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  return neg ? `-${s}` : s;
}

/** A sample value: integers as integers, +Inf/-Inf/NaN spelled as both formats accept. */
export function sampleValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Number.isInteger(v) && Math.abs(v) < 1e21 ? String(v) : goFloat(v);
}

const NEEDS_ESCAPE = /[\\\n"]/;

function escapeLabel(v: string): string {
  if (!NEEDS_ESCAPE.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string, format: ExpositionFormat): string {
  const s = v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return format === 'openmetrics' ? s.replace(/"/g, '\\"') : s;
}

/** `k="v",...` without braces (empty values left out: an empty label value is the same as no label). */
function labelBody(labels: Labels): string {
  let out = '';
  for (const k in labels) {
    const v = labels[k]!;
    if (v === '') continue;
    out += `${out ? ',' : ''}${k}="${escapeLabel(v)}"`;
  }
  return out;
}

function labelText(labels: Labels): string {
  const body = labelBody(labels);
  return body ? `{${body}}` : '';
}

/** Throws on a name, label or unit that Prometheus would reject (a bug in the catalogue, not user input). */
export function checkFamily(f: Family): void {
  if (!NAME_RE.test(f.name)) throw new Error(`metric name '${f.name}' is not valid`);
  if (f.type === 'counter' && !f.name.endsWith('_total')) throw new Error(`counter '${f.name}' must end in _total`);
  if (f.type === 'info' && !f.name.endsWith('_info')) throw new Error(`info family '${f.name}' must end in _info`);
  if (f.unit && !familyName(f).endsWith(`_${f.unit}`)) throw new Error(`'${f.name}': the name must end in _${f.unit}`);
  if (f.type === 'histogram') {
    for (let i = 1; i < f.bounds.length; i++) if (!(f.bounds[i]! > f.bounds[i - 1]!)) throw new Error(`'${f.name}': bounds must ascend`);
  }
  for (const s of f.samples) {
    for (const k in s.labels) {
      if (VALID_LABELS.has(k)) continue;
      if (!LABEL_RE.test(k) || k.startsWith('__')) throw new Error(`'${f.name}': label name '${k}' is not valid`);
      if (k === 'le') {
        if (f.type === 'histogram') throw new Error(`'${f.name}': 'le' is reserved in histograms`);
        continue;
      }
      VALID_LABELS.add(k);
    }
  }
}

/** The OpenMetrics family name: without `_total` for counters and without `_info` for info families. */
export function familyName(f: Pick<Family, 'name' | 'type'>): string {
  if (f.type === 'counter') return f.name.slice(0, -'_total'.length);
  if (f.type === 'info') return f.name.slice(0, -'_info'.length);
  return f.name;
}

/** The whole exposition for `families` in `format`. Families without samples still get their metadata. */
export function writeExposition(families: readonly Family[], format: ExpositionFormat): string {
  const out: string[] = [];
  const om = format === 'openmetrics';
  for (const f of families) {
    checkFamily(f);
    const fam = om ? familyName(f) : f.name;
    const type = f.type === 'info' && !om ? 'gauge' : f.type;
    if (om) {
      out.push(`# TYPE ${fam} ${type}\n`);
      if (f.unit) out.push(`# UNIT ${fam} ${f.unit}\n`);
      out.push(`# HELP ${fam} ${escapeHelp(f.help, format)}\n`);
    } else {
      out.push(`# HELP ${fam} ${escapeHelp(f.help, format)}\n# TYPE ${fam} ${type}\n`);
    }
    if (f.type === 'histogram') {
      // The series' labels are escaped once, not once per bucket (most of a scrape's bytes are buckets).
      const le = f.bounds.map((b) => `le="${goFloat(b)}"} `);
      for (const s of f.samples) {
        const body = labelBody(s.labels);
        const head = `${f.name}_bucket{${body}${body ? ',' : ''}`;
        let text = '';
        for (let i = 0; i < le.length; i++) text += `${head}${le[i]}${sampleValue(s.buckets[i] ?? 0)}\n`;
        const l = body ? `{${body}}` : '';
        text += `${head}le="+Inf"} ${sampleValue(s.count)}\n`;
        out.push(text, `${f.name}_count${l} ${sampleValue(s.count)}\n${f.name}_sum${l} ${sampleValue(s.sum)}\n`);
      }
    } else {
      for (const s of f.samples) out.push(`${f.name}${labelText(s.labels)} ${sampleValue(f.type === 'info' ? 1 : s.value)}\n`);
    }
  }
  if (om) out.push('# EOF\n');
  return out.join('');
}
