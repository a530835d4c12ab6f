// Reads a rendered report file back on the Node side, as the page does: the main document (gzip, base64)
// and each heatmap's piece, the columns decoded from runs into [bucketIndex, count] pairs.
import { gunzipSync } from 'node:zlib';
import { decodeColumn } from '../src/report/payload.js';

export interface DecodedReport {
  doc: { report: any; buckets: { lowerUs: number[]; upperUs: number[] } };
  /** Heatmap pieces by rank. */
  heat: Map<number, (number[] | null)[]>;
}

function gunzipB64(text: string): unknown {
  return JSON.parse(gunzipSync(Buffer.from(text.replace(/\s+/g, ''), 'base64')).toString('utf8'));
}

export function decodeReportFile(html: string): DecodedReport {
  const main = /<script type="application\/gzip\+base64" id="tailtop-data">([\s\S]*?)<\/script>/.exec(html);
  if (!main) throw new Error('no tailtop-data element');
  const doc = gunzipB64(main[1]!) as DecodedReport['doc'];
  const heat = new Map<number, (number[] | null)[]>();
  for (const m of html.matchAll(/<script type="application\/gzip\+base64" data-heat="(\d+)">([\s\S]*?)<\/script>/g)) {
    heat.set(Number(m[1]), gunzipB64(m[2]!) as (number[] | null)[]);
  }
  return { doc, heat };
}

/** A decoded heatmap's columns as pairs, or null when the file does not carry them. */
export function columnsOf(d: DecodedReport, lat: { heat: number | null }): ([number, number][] | null)[] | null {
  if (lat.heat === null) return null;
  const cols = d.heat.get(lat.heat);
  return cols ? cols.map((c) => (c === null ? null : decodeColumn(c))) : null;
}
