// Writes contrib/grafana-dashboard.json: `node scripts/make-grafana-dashboard.mjs > contrib/grafana-dashboard.json`.
// Its queries are checked against a real Prometheus by test/integration/prometheus-contrib.test.ts.
const sel = (extra = '') => `job=~"$job", instance=~"$instance"${extra ? `, ${extra}` : ''}`;
const R = '$__rate_interval';
let id = 0;
let y = 0;
const panels = [];
const row = (title) => { panels.push({ type: 'row', title, id: ++id, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: y++ }, panels: [] }); };
let x = 0;
const panel = (title, unit, targets, o = {}) => {
  const w = o.w ?? 12;
  if (x + w > 24) { x = 0; y += 8; }
  panels.push({
    type: o.type ?? 'timeseries', title, id: ++id, datasource: { type: 'prometheus', uid: '${datasource}' },
    gridPos: { h: 8, w, x, y },
    fieldConfig: { defaults: { unit, ...(o.defaults ?? {}) }, overrides: [] },
    options: o.options ?? { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
    targets: targets.map(([expr, legendFormat], i) => ({ refId: String.fromCharCode(65 + i), expr, legendFormat, ...(o.format ? { format: o.format } : {}), datasource: { type: 'prometheus', uid: '${datasource}' } })),
    ...(o.description ? { description: o.description } : {}),
  });
  x += w;
  if (x >= 24) { x = 0; y += 8; }
};
const newRow = (t) => { if (x > 0) { x = 0; y += 8; } row(t); };

newRow('Fleet');
panel('Agents up', 'none', [[`sum(up{${sel()}})`, 'up'], [`sum(1 - up{${sel()}})`, 'down']], { type: 'stat', w: 6, options: { reduceOptions: { calcs: ['lastNotNull'] }, colorMode: 'value' } });
panel('Firing alerts', 'none', [[`sum by (instance, alertname) (tailtop_alert_active{${sel('alertstate="firing"')}})`, '{{instance}} {{alertname}}']], { w: 6 });
panel('Containers left out (cardinality limit)', 'none', [[`tailtop_exporter_containers_excluded{${sel()}}`, '{{instance}}']], { w: 6 });
panel('eBPF helper up', 'none', [[`tailtop_ebpf_up{${sel()}}`, '{{instance}}']], { w: 6 });

newRow('Hosts');
panel('CPU busy (100% = all CPUs)', 'percent', [[`100 * (1 - sum by (instance) (rate(tailtop_cpu_seconds_total{${sel('mode=~"idle|iowait"')}}[${R}])) / sum by (instance) (rate(tailtop_cpu_seconds_total{${sel()}}[${R}])))`, '{{instance}}']]);
panel('Memory used', 'percent', [[`100 * (1 - tailtop_memory_available_bytes{${sel()}} / tailtop_memory_total_bytes{${sel()}})`, '{{instance}}']]);
panel('Load (1 min) per CPU', 'none', [[`tailtop_load1{${sel()}} / tailtop_cpus_online{${sel()}}`, '{{instance}}']]);
panel('Pressure stalled (some)', 'percent', [[`100 * rate(tailtop_pressure_stalled_seconds_total{${sel('kind="some"')}}[${R}])`, '{{instance}} {{resource}}']]);
panel('Disk throughput', 'Bps', [[`rate(tailtop_disk_read_bytes_total{${sel()}}[${R}])`, '{{instance}} {{device}} read'], [`rate(tailtop_disk_written_bytes_total{${sel()}}[${R}])`, '{{instance}} {{device}} write']]);
panel('Disk IOPS', 'iops', [[`rate(tailtop_disk_reads_completed_total{${sel()}}[${R}])`, '{{instance}} {{device}} read'], [`rate(tailtop_disk_writes_completed_total{${sel()}}[${R}])`, '{{instance}} {{device}} write']]);
panel('Network', 'Bps', [[`rate(tailtop_network_receive_bytes_total{${sel()}}[${R}])`, '{{instance}} {{interface}} rx'], [`rate(tailtop_network_transmit_bytes_total{${sel()}}[${R}])`, '{{instance}} {{interface}} tx']]);

newRow('Tail latency (eBPF)');
panel('Block I/O service time p99', 's', [[`histogram_quantile(0.99, sum by (instance, device, op, le) (rate(tailtop_block_io_latency_seconds_bucket{${sel('op=~"read|write"')}}[${R}])))`, '{{instance}} {{device}} {{op}}']]);
panel('Block I/O queue + service p99', 's', [[`histogram_quantile(0.99, sum by (instance, device, op, le) (rate(tailtop_block_io_queue_latency_seconds_bucket{${sel('op=~"read|write"')}}[${R}])))`, '{{instance}} {{device}} {{op}}']]);
panel('Block I/O service time (all selected hosts)', 's', [[`sum by (le) (increase(tailtop_block_io_latency_seconds_bucket{${sel('op=~"read|write"')}}[${R}]))`, '{{le}}']], { type: 'heatmap', format: 'heatmap', options: { calculate: false, yAxis: { unit: 's' }, cellGap: 0, color: { scheme: 'Oranges', mode: 'scheme' } } });
panel('Run-queue delay p99', 's', [[`histogram_quantile(0.99, sum by (instance, le) (rate(tailtop_runqueue_latency_seconds_bucket{${sel()}}[${R}])))`, '{{instance}}']]);

newRow('Containers');
panel('Container CPU (100% = one core)', 'percent', [[`100 * sum by (instance, container) (rate(tailtop_container_cpu_usage_seconds_total{${sel()}}[${R}]))`, '{{instance}} {{container}}']]);
panel('Container memory used', 'bytes', [[`sum by (instance, container) (tailtop_container_memory_used_bytes{${sel()}})`, '{{instance}} {{container}}']]);
panel('Container block I/O p99', 's', [[`histogram_quantile(0.99, sum by (instance, container, op, le) (rate(tailtop_container_block_io_latency_seconds_bucket{${sel('op=~"read|write"')}}[${R}])))`, '{{instance}} {{container}} {{op}}']]);
panel('Container run-queue delay p99', 's', [[`histogram_quantile(0.99, sum by (instance, container, le) (rate(tailtop_container_runqueue_latency_seconds_bucket{${sel()}}[${R}])))`, '{{instance}} {{container}}']]);
panel('Container CPU throttled', 'percent', [[`100 * sum by (instance, container) (rate(tailtop_container_cpu_throttled_periods_total{${sel()}}[${R}])) / sum by (instance, container) (rate(tailtop_container_cpu_periods_total{${sel()}}[${R}]))`, '{{instance}} {{container}}']]);
panel('Container block I/O bytes (eBPF)', 'Bps', [[`sum by (instance, container, op) (rate(tailtop_container_block_io_bytes_total{${sel()}}[${R}]))`, '{{instance}} {{container}} {{op}}']]);

const dash = {
  __inputs: [{ name: 'DS_PROMETHEUS', label: 'Prometheus', type: 'datasource', pluginId: 'prometheus', pluginName: 'Prometheus' }],
  title: 'tailtop fleet', uid: 'tailtop-fleet', description: 'Hosts and containers from tailtop agents: figures, tail latency (eBPF), alerts. Families: docs/metrics.md.',
  tags: ['tailtop', 'ebpf', 'latency'], timezone: 'browser', schemaVersion: 38, version: 1, editable: true, refresh: '30s',
  time: { from: 'now-1h', to: 'now' },
  templating: { list: [
    { name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: {} },
    { name: 'job', label: 'job', type: 'query', datasource: { type: 'prometheus', uid: '${datasource}' }, query: { query: 'label_values(tailtop_build_info, job)', refId: 'job' }, definition: 'label_values(tailtop_build_info, job)', refresh: 2, includeAll: false, multi: false, sort: 1 },
    { name: 'instance', label: 'host', type: 'query', datasource: { type: 'prometheus', uid: '${datasource}' }, query: { query: 'label_values(tailtop_build_info{job=~"$job"}, instance)', refId: 'instance' }, definition: 'label_values(tailtop_build_info{job=~"$job"}, instance)', refresh: 2, includeAll: true, allValue: '.*', multi: true, sort: 1 },
  ] },
  panels,
};
process.stdout.write(JSON.stringify(dash, null, 2) + '\n');
